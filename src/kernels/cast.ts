import { BF16, F16, F8E4M3FNUZ, F8E5M2, F8E5M2FNUZ, narrowExact, widenFloat, type MiniFloatFormat } from '../formats/minifloat.js';
import { namedKernel, type Kernel } from './kernel.js';

/**
 * Casts between float types, element by element: round to nearest, ties to
 * even, from the exact source value (so f64 to f16 rounds once); NaN stays
 * NaN with its sign; overflow is infinity where the target has one, and NaN
 * for the f8 types that have none (E4M3FN, and the FNUZ types' one NaN), as
 * PyTorch and ml_dtypes cast. Integer sources are read as their exact value
 * (an I64 beyond 2^53 rounds to the nearest double first).
 */

/** E4M3FN as a cast writes it: overflow is NaN, not the largest value (IREE's typed-value parser saturates; PyTorch does not). */
const F8E4M3FN_CAST: MiniFloatFormat = { expBits: 4, mantBits: 3, hasInf: false, nanAsNegZero: false, saturate: false };

/** Each narrow float type: its bit layout, and its NaN (sign added where NaN has one). */
const NARROW: Record<string, { format: MiniFloatFormat; bytes: 1 | 2; nan: number }> = {
  F16: { format: F16, bytes: 2, nan: 0x7e00 },
  BF16: { format: BF16, bytes: 2, nan: 0x7fc0 },
  F8_E4M3: { format: F8E4M3FN_CAST, bytes: 1, nan: 0x7f },
  F8_E5M2: { format: F8E5M2, bytes: 1, nan: 0x7e },
  F8_E4M3FNUZ: { format: F8E4M3FNUZ, bytes: 1, nan: 0x80 },
  F8_E5M2FNUZ: { format: F8E5M2FNUZ, bytes: 1, nan: 0x80 },
};

/** Element types a cast reads, by their safetensors names: the floats, and integers named explicitly. */
const READS: Record<string, number> = { F64: 8, F32: 4, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1 };
for (const [name, { bytes }] of Object.entries(NARROW)) READS[name] = bytes;

/** The float types a cast writes. */
export const CAST_TARGETS = ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ'] as const;
export type CastTarget = (typeof CAST_TARGETS)[number];

export const isFloatType = (dtype: string): boolean => (CAST_TARGETS as readonly string[]).includes(dtype);
export const castReads = (dtype: string): boolean => dtype in READS;
export const elementBytes = (dtype: string): number | undefined => READS[dtype];

/** Every value of a narrow type, by its bits: exact (each is an f32 value), decoded once. */
const tables = new Map<string, Float32Array>();
function tableOf(dtype: string): Float32Array {
  let table = tables.get(dtype);
  if (!table) {
    const { format, bytes } = NARROW[dtype]!;
    table = new Float32Array(1 << (8 * bytes));
    for (let bits = 0; bits < table.length; ++bits) table[bits] = widenFloat(bits, format);
    tables.set(dtype, table);
  }
  return table;
}

/** Every f16 value by its bits (ggml's scales are f16). */
export const halfTable = (): Float32Array => tableOf('F16');

/** `bytes` as a typed array of `count` elements, copied when they do not start on an element boundary. */
function view<T>(bytes: Uint8Array, size: number, make: (buffer: ArrayBufferLike, offset: number, length: number) => T): T {
  // A copy (not `slice`, which on a Buffer is a view) starts at 0.
  const aligned = bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes);
  return make(aligned.buffer, aligned.byteOffset, aligned.length / size);
}

/** The source's values, one at a time, with the sign bit of each (which a NaN keeps). */
type Reader = (input: Uint8Array) => { count: number; value(i: number): number; negative(i: number): boolean };

function readerOf(dtype: string): Reader {
  const narrow = NARROW[dtype];
  if (narrow) {
    const table = tableOf(dtype);
    const signBit = narrow.bytes === 2 ? 0x8000 : 0x80;
    return (input) => {
      const bits = narrow.bytes === 2 ? view(input, 2, (b, o, n) => new Uint16Array(b, o, n)) : input;
      return { count: bits.length, value: (i) => table[bits[i]!]!, negative: (i) => (bits[i]! & signBit) !== 0 };
    };
  }
  const typed = {
    F64: (b: ArrayBufferLike, o: number, n: number) => new Float64Array(b, o, n),
    F32: (b: ArrayBufferLike, o: number, n: number) => new Float32Array(b, o, n),
    I32: (b: ArrayBufferLike, o: number, n: number) => new Int32Array(b, o, n),
    U32: (b: ArrayBufferLike, o: number, n: number) => new Uint32Array(b, o, n),
    I16: (b: ArrayBufferLike, o: number, n: number) => new Int16Array(b, o, n),
    U16: (b: ArrayBufferLike, o: number, n: number) => new Uint16Array(b, o, n),
    I8: (b: ArrayBufferLike, o: number, n: number) => new Int8Array(b, o, n),
    U8: (b: ArrayBufferLike, o: number, n: number) => new Uint8Array(b, o, n),
    BOOL: (b: ArrayBufferLike, o: number, n: number) => new Uint8Array(b, o, n),
  }[dtype as 'F64'];
  const size = READS[dtype]!;
  if (typed) {
    return (input) => {
      const values = view(input, size, typed);
      // Sign from the bits, so -NaN and -0 keep theirs; integers' follows their value.
      const raw = dtype === 'F64' || dtype === 'F32' ? view(input, size, (b, o, n) => new Uint8Array(b, o, n * size)) : undefined;
      return { count: values.length, value: (i) => values[i]!, negative: raw ? (i) => (raw[i * size + size - 1]! & 0x80) !== 0 : (i) => values[i]! < 0 };
    };
  }
  // 64-bit integers: the nearest double (ties to even), as Number() rounds a BigInt.
  return (input) => {
    const values = view(input, 8, (b, o, n) => (dtype === 'I64' ? new BigInt64Array(b, o, n) : new BigUint64Array(b, o, n)));
    return { count: values.length, value: (i) => Number(values[i]!), negative: (i) => values[i]! < 0n };
  };
}

/** Writes `count` values into `output` as `dtype`. */
function write(dtype: CastTarget, output: Uint8Array, source: ReturnType<Reader>): void {
  const { count } = source;
  if (dtype === 'F64' || dtype === 'F32') {
    const out = dtype === 'F64' ? new Float64Array(count) : new Float32Array(count);
    for (let i = 0; i < count; ++i) out[i] = source.value(i);
    const bytes = new Uint8Array(out.buffer);
    // A NaN stored through a typed array may lose its sign: set it back.
    const top = out.BYTES_PER_ELEMENT - 1;
    for (let i = 0; i < count; ++i) if (Number.isNaN(out[i]!) && source.negative(i)) bytes[i * out.BYTES_PER_ELEMENT + top]! |= 0x80;
    output.set(bytes);
    return;
  }
  const { format, bytes, nan } = NARROW[dtype]!;
  const signedNan = (i: number) => (nan === 0x80 || !source.negative(i) ? nan : nan | (bytes === 2 ? 0x8000 : 0x80));
  if (bytes === 1) {
    for (let i = 0; i < count; ++i) {
      const v = source.value(i);
      output[i] = v === v ? narrowExact(v, format) : signedNan(i);
    }
    return;
  }
  const out = new Uint16Array(count);
  for (let i = 0; i < count; ++i) {
    const v = source.value(i);
    out[i] = v === v ? narrowExact(v, format) : signedNan(i);
  }
  output.set(new Uint8Array(out.buffer));
}

/**
 * f32 to bf16 and f16 on the bits, the casts models are stored in most: the
 * same results as the general path, many times faster. The bits are read as
 * int32 so the arithmetic stays in small integers; each loop calls one
 * function, which the compiler inlines.
 */
function fastPath(from: string, to: string): ((input: Uint8Array, output: Uint8Array) => void) | undefined {
  if (from !== 'F32' || (to !== 'BF16' && to !== 'F16')) return undefined;
  return (input, output) => {
    const bits = view(input, 4, (b, o, n) => new Int32Array(b, o, n));
    const out = output.byteOffset % 2 === 0 ? new Uint16Array(output.buffer, output.byteOffset, bits.length) : new Uint16Array(bits.length);
    if (to === 'BF16') for (let i = 0; i < bits.length; ++i) out[i] = bf16Bits(bits[i]!);
    else for (let i = 0; i < bits.length; ++i) out[i] = f16Bits(bits[i]!);
    if (out.buffer !== output.buffer) output.set(new Uint8Array(out.buffer));
  };
}

const scratch = new Float32Array(1);
const scratchBits = new Int32Array(scratch.buffer);

/** The f16 bits of a value (rounded to f32 first, as ggml stores its scales from f32). */
export function halfBitsOf(value: number): number {
  scratch[0] = value;
  return f16Bits(scratchBits[0]!);
}

/** bf16 of an f32's bits: round to nearest even on the low half; a NaN keeps its sign and top payload, made quiet. */
function bf16Bits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

/** f16 of an f32's bits, subnormals and ties to even included; a NaN keeps its sign and top payload bits. */
function f16Bits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const abs = u & 0x7fffffff;
  if (abs >= 0x38800000 && abs < 0x477ff000) {
    // Normal: rebias the exponent (127 to 15), then round the 13 bits dropped.
    const v = abs - 0x38000000;
    return sign | ((v + 0x0fff + ((v >>> 13) & 1)) >>> 13);
  }
  if (abs >= 0x7f800000) {
    const payload = (abs >>> 13) & 0x3ff;
    return sign | 0x7c00 | (abs === 0x7f800000 ? 0 : payload === 0 ? 1 : payload);
  }
  // 65520 and up rounds to infinity.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  // Subnormal (or zero): the significand with its implicit bit, shifted into place with rounding.
  if (abs <= 0x33000000) return sign;
  const shift = 126 - (abs >>> 23);
  const mant = (abs & 0x7fffff) | 0x800000;
  const half = 1 << (shift - 1);
  const rest = mant & ((1 << shift) - 1);
  const r = mant >>> shift;
  return sign | (rest > half || (rest === half && (r & 1) === 1) ? r + 1 : r);
}

/**
 * The kernel that casts elements of `from` to `to`, reading them big-endian
 * if asked (a big-endian GGUF's payload); one per case, so ranges needing
 * the same are seen as the same.
 */
export function castKernel(from: string, to: CastTarget, bigEndianSource = false): Kernel {
  return namedKernel(`cast ${from}${bigEndianSource ? ' big-endian' : ''} to ${to}`, () => {
    if (!castReads(from) || !isFloatType(to)) throw new Error(`no cast from ${from} to ${to}`);
    const read = readerOf(from);
    const cast = fastPath(from, to) ?? ((input: Uint8Array, output: Uint8Array) => write(to, output, read(input)));
    const size = READS[from]!;
    return {
      inputUnit: size,
      outputUnit: READS[to]!,
      run: bigEndianSource && size > 1 ? (input, output) => cast(toLittleEndian(input, size), output) : cast,
      recipe: { kind: 'cast', from, to, bigEndian: bigEndianSource },
    };
  });
}

/** A little-endian copy of big-endian elements of `size` bytes. */
function toLittleEndian(input: Uint8Array, size: number): Uint8Array {
  const copy = Buffer.from(input);
  if (size === 2) copy.swap16();
  else if (size === 4) copy.swap32();
  else copy.swap64();
  return copy;
}
