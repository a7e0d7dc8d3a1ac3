import type { OperatorFunction } from 'rxjs';
import { DataError, UsageError } from '../errors.js';
import { ggmlTypeByName } from '../formats/gguf/types.js';
import { outputBytes } from '../kernels/kernel.js';
import { QUANTIZED_TYPES, QUANTIZES_FROM, quantizeKernel } from '../kernels/quantize.js';
import { describeKey } from '../model/parameter-index.js';
import { fileRange, type Parameter } from '../model/parameter.js';
import { keyPattern, type KeyPattern } from './key-pattern.js';
import { keyedRules } from './rule-choice.js';

export interface QuantizeRule {
  text: string;
  /** Undefined: every float parameter of two or more dimensions. */
  pattern?: KeyPattern;
  type: string;
  /** `:keep`: a parameter whose rows the block does not divide is left as it is, not an error. */
  keepUneven: boolean;
}

/** `TYPE[:keep]` for every float matrix, or `KEY=TYPE[:keep]` for those matching (1-D ones too). */
export function parseQuantizeRule(text: string): QuantizeRule {
  const eq = text.lastIndexOf('=');
  const [typeText, option, ...more] = (eq < 0 ? text : text.slice(eq + 1)).split(':');
  const type = QUANTIZED_TYPES.find((t) => t === typeText!.toUpperCase());
  if (!type) throw new UsageError(`--quantize=${text}: '${typeText}' is not a type paramflow quantizes to; use one of ${QUANTIZED_TYPES.join(', ')}`);
  if ((option !== undefined && option !== 'keep') || more.length > 0) throw new UsageError(`--quantize=${text}: after the type, only ':keep' (leave parameters whose rows the block does not divide as they are)`);
  const keepUneven = option === 'keep';
  return eq < 0 ? { text, type, keepUneven } : { text, pattern: keyPattern(text.slice(0, eq)), type, keepUneven };
}

/**
 * Quantizes parameters to GGUF block types on the way, row by row along the
 * innermost dimension, as ggml's reference quantizers do (see
 * kernels/quantize.ts). The first rule naming a parameter wins, else a bare
 * `TYPE`, which leaves 1-D tensors (norms, biases) as they are, as
 * llama.cpp's quantizer does. A row the block does not divide is an error
 * naming the parameter, unless the rule ends in `:keep`.
 */
export function quantize(rules: QuantizeRule[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  const float = (p: Parameter) => p.tensor !== undefined && QUANTIZES_FROM.includes(p.tensor.dtype);
  return keyedRules('quantize', rules, (p) => float(p) && p.tensor!.shape.length >= 2, (p, { type, keepUneven }) => {
    const { tensor } = p;
    const name = describeKey(p.scope, p.key);
    if (!tensor) throw new DataError(`parameter ${name} of ${p.origin} has no dtype (an IRPA archive without tensor metadata), so it cannot be quantized`);
    if (!float(p)) throw new DataError(`parameter ${name} is ${tensor.dtype}; quantize reads ${QUANTIZES_FROM.join(', ')}`);
    const ggml = ggmlTypeByName(type)!;
    const row = tensor.shape.at(-1) ?? 1;
    if (row % ggml.blockElements !== 0 && keepUneven) return p;
    if (row % ggml.blockElements !== 0) throw new DataError(`parameter ${name} has rows of ${row} elements, which ${type}'s blocks of ${ggml.blockElements} do not divide`);
    const source = fileRange(p);
    if (!source || p.storage.kind !== 'data' || p.storage.source.kind !== 'file') throw new DataError(`parameter ${name} has no stored values to quantize (a splat or a fill)`);
    const kernel = quantizeKernel(tensor.dtype, type, tensor.bigEndian ?? false);
    return {
      ...p,
      length: outputBytes(kernel, p.length),
      storage: { kind: 'computed', kernel, source, sourceLength: p.length },
      tensor: { dtype: type, shape: tensor.shape, ggmlType: ggml.id, was: tensor.was ?? { dtype: tensor.dtype, shape: tensor.shape } },
    };
  }, warn);
}
