import { ggmlByteSwap, type ByteSwap } from '../formats/byte-swap.js';
import type { Parameter } from './parameter.js';

/**
 * The swap a parameter's bytes need on the way to an output: every output
 * paramflow writes (IRPA, safetensors, GGUF, device memory) is
 * little-endian, so a big-endian source's payloads change byte order, by
 * element width, and quant blocks field by field. Undefined when the bytes
 * go as they are.
 */
export function outputByteSwap(p: Parameter): ByteSwap | undefined {
  if (!p.tensor?.bigEndian || p.tensor.ggmlType === undefined) return undefined;
  return ggmlByteSwap(p.tensor.ggmlType);
}
