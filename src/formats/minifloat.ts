/**
 * Narrowing of f32 values to the small float formats (f16, bf16, the f8
 * family), rounding to nearest-even with subnormals, as IREE's HAL does when
 * it parses a typed value.
 */
export interface MiniFloatFormat {
  expBits: number;
  mantBits: number;
  hasInf: boolean;
  /** FNUZ formats: exponent bias one higher, no -0, NaN encoded as -0. */
  nanAsNegZero: boolean;
  /** E4M3FN: infinities and overflow clamp to the largest finite value. */
  saturate: boolean;
}

export const F16: MiniFloatFormat = { expBits: 5, mantBits: 10, hasInf: true, nanAsNegZero: false, saturate: false };
export const BF16: MiniFloatFormat = { expBits: 8, mantBits: 7, hasInf: true, nanAsNegZero: false, saturate: false };
export const F8E5M2: MiniFloatFormat = { expBits: 5, mantBits: 2, hasInf: true, nanAsNegZero: false, saturate: false };
export const F8E4M3FN: MiniFloatFormat = { expBits: 4, mantBits: 3, hasInf: false, nanAsNegZero: false, saturate: true };
export const F8E5M2FNUZ: MiniFloatFormat = { expBits: 5, mantBits: 2, hasInf: false, nanAsNegZero: true, saturate: false };
export const F8E4M3FNUZ: MiniFloatFormat = { expBits: 4, mantBits: 3, hasInf: false, nanAsNegZero: true, saturate: false };

/** `value` as f32 first, then narrowed: how IREE's HAL parses a typed value (`create`'s VALUE). */
export function narrowFloat(value: number, format: MiniFloatFormat): number {
  return narrowExact(Math.fround(value), format);
}

/**
 * `value` (any double) rounded once to the nearest `format` value, ties to
 * even, as a cast from f64 must: rounding through f32 first could round
 * twice. Overflow gives infinity where the format has one, else the largest
 * finite value where it saturates, else NaN (with the sign, where NaN has
 * one), as PyTorch and ml_dtypes cast to the f8 types.
 */
export function narrowExact(value: number, format: MiniFloatFormat): number {
  const { expBits: E, mantBits: M } = format;
  const signBit = 1 << (E + M);
  const expAllOnes = (1 << E) - 1;
  const mantMask = (1 << M) - 1;
  // NaN carries no sign here (JS cannot see it); FNUZ formats spell NaN as -0.
  const nan = format.nanAsNegZero ? signBit : (expAllOnes << M) | mantMask;
  if (Number.isNaN(value)) return nan;
  const sign = value < 0 || Object.is(value, -0) ? signBit : 0;
  const a = Math.abs(value);
  // Largest finite encoding (magnitude bits).
  const maxFinite = format.hasInf
    ? (expAllOnes << M) - 1
    : format.nanAsNegZero
      ? (expAllOnes << M) | mantMask
      : ((expAllOnes << M) | mantMask) - 1;
  const overflow = () => (format.hasInf ? sign | (expAllOnes << M) : format.saturate ? sign | maxFinite : format.nanAsNegZero ? nan : sign | nan);
  if (a === Infinity) return overflow();
  if (a === 0) return format.nanAsNegZero ? 0 : sign;

  const bias = (1 << (E - 1)) - 1 + (format.nanAsNegZero ? 1 : 0);
  const minNormalExp = 1 - bias;
  const exp = Math.floor(Math.log2(a));
  const e = 2 ** exp > a ? exp - 1 : 2 ** (exp + 1) <= a ? exp + 1 : exp; // guard log2 rounding
  const subnormal = e < minNormalExp;
  const quantumExp = (subnormal ? minNormalExp : e) - M;
  const scaled = a / 2 ** quantumExp; // exact: a division by a power of two
  let n = Math.floor(scaled);
  const rest = scaled - n;
  if (rest > 0.5 || (rest === 0.5 && n % 2 === 1)) n += 1;
  // Encodings are contiguous across the subnormal/normal boundary and across
  // binades, so rounding up simply carries into the exponent field.
  const magnitude = subnormal ? n : ((e + bias) << M) + n - (1 << M);
  if (magnitude > maxFinite) return overflow();
  if (magnitude === 0 && format.nanAsNegZero) return 0;
  return sign | magnitude;
}

/** The value of `bits` in `format`: exact, infinities and NaN included (FNUZ: the sign bit alone is NaN). */
export function widenFloat(bits: number, format: MiniFloatFormat): number {
  const { expBits: E, mantBits: M } = format;
  const signBit = 1 << (E + M);
  const sign = bits & signBit ? -1 : 1;
  const exp = (bits >> M) & ((1 << E) - 1);
  const mant = bits & ((1 << M) - 1);
  const expAllOnes = (1 << E) - 1;
  if (format.nanAsNegZero && bits === signBit) return NaN;
  if (format.hasInf && exp === expAllOnes) return mant === 0 ? sign * Infinity : NaN;
  if (!format.hasInf && !format.nanAsNegZero && exp === expAllOnes && mant === (1 << M) - 1) return NaN;
  const bias = (1 << (E - 1)) - 1 + (format.nanAsNegZero ? 1 : 0);
  return exp === 0 ? sign * mant * 2 ** (1 - bias - M) : sign * (1 + mant / 2 ** M) * 2 ** (exp - bias);
}

/** f8E8M0FNU: a bare power-of-two exponent (scale factors); 0xFF is NaN. */
export function narrowToE8M0(value: number): number {
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return 0xff;
  if (f <= 0) return 0;
  // f = m * 2^exp with m in [0.5, 1); round the exponent to the nearer power.
  let exp = Math.floor(Math.log2(f)) + 1;
  if (2 ** (exp - 1) > f) exp -= 1;
  if (2 ** exp <= f) exp += 1;
  const m = f / 2 ** exp;
  const rounded = exp - (m < 0.75 ? 1 : 0);
  return Math.min(0xff, Math.max(0, rounded + 127));
}
