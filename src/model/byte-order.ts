import { ggmlByteSwap } from '../formats/byte-swap.js';
import { byteSwapKernel } from '../kernels/byte-swap.js';
import { fileRange, type Parameter } from './parameter.js';

/**
 * A parameter as every output paramflow writes it (IRPA, safetensors, GGUF,
 * device memory): little-endian. A big-endian source's payload becomes
 * computed storage, its byte order changed on the way by a kernel (by
 * element width, quant blocks field by field); anything else is returned
 * as it is.
 */
export function littleEndian(p: Parameter): Parameter {
  if (!p.tensor?.bigEndian || p.tensor.ggmlType === undefined) return p;
  const swap = ggmlByteSwap(p.tensor.ggmlType);
  const source = fileRange(p);
  const { bigEndian: _, ...tensor } = p.tensor;
  if (!swap || !source) return { ...p, tensor };
  return { ...p, tensor, storage: { kind: 'computed', kernel: byteSwapKernel(swap), source, sourceLength: p.length } };
}
