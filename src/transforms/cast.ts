import type { OperatorFunction } from 'rxjs';
import { DataError, UsageError } from '../errors.js';
import { castKernel, castReads, CAST_TARGETS, isFloatType, type CastTarget } from '../kernels/cast.js';
import { DEQUANTIZE_TARGETS, DEQUANTIZED_TYPES, dequantizeKernel, dequantizes, type DequantizeTarget } from '../kernels/dequantize.js';
import { compute, outputBytes } from '../kernels/kernel.js';
import { describeKey } from '../model/parameter-index.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import { keyPattern, type KeyPattern } from './key-pattern.js';
import { keyedRules } from './rule-choice.js';

export interface CastRule {
  text: string;
  /** Undefined: every float parameter. */
  pattern?: KeyPattern;
  to: CastTarget;
}

/** Type names a rule takes, in any case: IREE's (`bf16`, `f8E4M3FN`), safetensors' (`BF16`, `F8_E4M3`). */
const TARGET_NAMES: Record<string, CastTarget> = Object.fromEntries([
  ...CAST_TARGETS.map((t) => [t.replace('_', ''), t]),
  ['F8E4M3FN', 'F8_E4M3'],
]);

/** `DTYPE` for every float parameter, or `KEY=DTYPE` for those matching (integers too, named so). */
export function parseCastRule(text: string): CastRule {
  const eq = text.lastIndexOf('=');
  const typeText = eq < 0 ? text : text.slice(eq + 1);
  const to = TARGET_NAMES[typeText.toUpperCase().replaceAll('_', '')];
  if (!to) throw new UsageError(`--cast=${text}: '${typeText}' is not a type to cast to; use one of f64, f32, f16, bf16, f8E4M3FN, f8E5M2, f8E4M3FNUZ, f8E5M2FNUZ`);
  return eq < 0 ? { text, to } : { text, pattern: keyPattern(text.slice(0, eq)), to };
}

/**
 * Casts parameters' elements to another float type on the way (see
 * kernels/cast.ts for the rounding): the first rule naming a parameter wins,
 * else a bare `DTYPE` rule, which takes float parameters only. The bytes are
 * computed as they are written; splats and fills are cast at once. The new
 * dtype goes to every output (safetensors dtype, GGUF type, IRPA metadata).
 */
export function cast(rules: CastRule[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  // A bare rule takes floats and quantized blocks (dequantized); integers only when named.
  const bareTakes = (p: Parameter) => p.tensor !== undefined && (isFloatType(p.tensor.dtype) || dequantizes(p.tensor.dtype));
  return keyedRules('cast', rules, bareTakes, (p, { to }) => {
    const dtype = p.tensor?.dtype;
    const name = describeKey(p.scope, p.key);
    if (dtype === undefined) throw new DataError(`parameter ${name} of ${p.origin} has no dtype (an IRPA archive without tensor metadata), so it cannot be cast`);
    if (!castReads(dtype) && !dequantizes(dtype)) throw new DataError(`parameter ${name} is ${dtype}, which cast cannot read; it reads floats, integers and ${DEQUANTIZED_TYPES.join(', ')}`);
    if (dequantizes(dtype) && !(DEQUANTIZE_TARGETS as readonly string[]).includes(to)) throw new DataError(`parameter ${name} is ${dtype}, which is dequantized to F32, F16 or BF16, not ${to}`);
    return dtype === to ? p : castParameter(p, to);
  }, warn);
}

/** `p` with its elements cast to `to`: computed from its file range, or a fill pattern cast now. */
function castParameter(p: Parameter, to: CastTarget): Parameter {
  const from = p.tensor!.dtype;
  const bigEndian = p.tensor!.bigEndian ?? false;
  const kernel = dequantizes(from) ? dequantizeKernel(from, to as DequantizeTarget, bigEndian) : castKernel(from, to, bigEndian);
  const tensor = { dtype: to, shape: p.tensor!.shape, was: p.tensor!.was ?? { dtype: from, shape: p.tensor!.shape } };
  if (p.length % kernel.inputUnit !== 0) throw new DataError(`parameter ${describeKey(p.scope, p.key)} of ${p.length} bytes is not a whole number of ${from} ${dequantizes(from) ? 'blocks' : 'elements'}`);
  const length = outputBytes(kernel, p.length);
  const pattern = fillPattern(p);
  if (pattern) {
    // A pattern of whole elements casts to one (fills are little-endian whatever the source); one that splits elements is not a value of the type.
    if (pattern.length % kernel.inputUnit !== 0) throw new DataError(`parameter ${describeKey(p.scope, p.key)}'s ${pattern.length}-byte pattern is not a whole number of ${from} elements`);
    const castPattern = compute(castKernel(from, to), new Uint8Array(pattern));
    const storage: Parameter['storage'] = p.storage.kind === 'splat' ? { kind: 'splat', pattern: castPattern } : { kind: 'data', source: { kind: 'fill', pattern: castPattern } };
    return { ...p, length, storage, tensor };
  }
  const source = fileRange(p);
  if (!source || p.storage.kind === 'computed') throw new DataError(`parameter ${describeKey(p.scope, p.key)} has no stored bytes to cast`);
  return { ...p, length, storage: { kind: 'computed', kernel, source, sourceLength: p.length }, tensor };
}
