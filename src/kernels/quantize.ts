import { ggmlTypeByName } from '../formats/gguf/types.js';
import { castKernel, elementBytes, halfBitsOf } from './cast.js';
import { namedKernel, type Kernel } from './kernel.js';

/**
 * f32 values to GGUF's quantized blocks, as ggml's reference quantizers
 * (`quantize_row_*_ref`, no importance matrix) make them: the same
 * single-precision operations in the same order, so every block is ggml's
 * byte for byte. f16 and bf16 sources are widened to f32 first, as
 * llama.cpp's quantizer does.
 */

const f = Math.fround;
/** One block's encoder: its values of `x` from `at` (32, or 256 for the ternary types), into the block's bytes at `out`. */
type Encode = (x: Float32Array, at: number, b: Uint8Array, out: number) => void;

/** C's `roundf`: halves away from zero. */
const roundAway = (v: number) => (v < 0 ? -Math.round(-v) : Math.round(v));

/** An f32 value's f16, as ggml stores its scales (ties to even), little-endian at `at`. */
const putHalf = (b: Uint8Array, at: number, v: number) => {
  const half = halfBitsOf(v);
  b[at] = half & 0xff;
  b[at + 1] = half >> 8;
};

/** The value of greatest magnitude (the first, on a tie), keeping its sign: Q4_0 and Q5_0 scale by it. */
function signedMax(x: Float32Array, at: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; ++j) {
    const v = x[at + j]!;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

function range(x: Float32Array, at: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < 32; ++j) {
    const v = x[at + j]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** Q4_0 and Q5_0: a signed scale, levels 0..2^bits-1 around the middle. */
const symmetric =
  (bits: 4 | 5): Encode =>
  (x, at, b, out) => {
    const top = (1 << bits) - 1;
    const d = f(signedMax(x, at) / -(1 << (bits - 1)));
    const id = d ? f(1 / d) : 0;
    putHalf(b, out, d);
    const qs = out + (bits === 5 ? 6 : 2);
    let qh = 0;
    for (let j = 0; j < 16; ++j) {
      const x0 = Math.min(top, Math.trunc(f(f(x[at + j]! * id) + (1 << (bits - 1)) + 0.5)));
      const x1 = Math.min(top, Math.trunc(f(f(x[at + j + 16]! * id) + (1 << (bits - 1)) + 0.5)));
      b[qs + j] = (x0 & 0xf) | ((x1 & 0xf) << 4);
      qh |= ((x0 >> 4) << j) | ((x1 >> 4) << (j + 16));
    }
    if (bits === 5) for (let k = 0; k < 4; ++k) b[out + 2 + k] = (qh >>> (8 * k)) & 0xff;
  };

/** Q4_1 and Q5_1: a scale and a minimum, levels 0..2^bits-1 above it. */
const affine =
  (bits: 4 | 5): Encode =>
  (x, at, b, out) => {
    const [min, max] = range(x, at);
    const d = f(f(max - min) / ((1 << bits) - 1));
    const id = d ? f(1 / d) : 0;
    putHalf(b, out, d);
    putHalf(b, out + 2, min);
    const qs = out + (bits === 5 ? 8 : 4);
    let qh = 0;
    // Q4_1 caps its level at 15; Q5_1's stays within 31 by construction.
    const cap = bits === 4 ? 15 : 255;
    for (let j = 0; j < 16; ++j) {
      const x0 = Math.min(cap, Math.trunc(f(f(f(x[at + j]! - min) * id) + 0.5)));
      const x1 = Math.min(cap, Math.trunc(f(f(f(x[at + j + 16]! - min) * id) + 0.5)));
      b[qs + j] = (x0 & 0xf) | ((x1 & 0xf) << 4);
      qh |= (((x0 & 0x10) >> 4) << j) | (((x1 & 0x10) >> 4) << (j + 16));
    }
    if (bits === 5) for (let k = 0; k < 4; ++k) b[out + 4 + k] = (qh >>> (8 * k)) & 0xff;
  };

/** TQ1_0 and TQ2_0: ternary values (-1, 0, 1) of the block's absolute maximum, over 256 values. */
function ternaryScale(x: Float32Array, at: number, b: Uint8Array, scaleAt: number): number {
  let amax = 0;
  for (let j = 0; j < 256; ++j) amax = Math.max(amax, Math.abs(x[at + j]!));
  putHalf(b, scaleAt, amax);
  return amax ? f(1 / amax) : 0;
}

/** A trit of x (0, 1 or 2 for -1, 0, 1): C's lroundf of the scaled value, plus one. */
const trit = (v: number, id: number) => roundAway(f(v * id)) + 1;

/**
 * `count` trits a byte, in `bytes` bytes from x[from]: trit n of byte m is
 * x[from + m + n × bytes]. The base-3 number is scaled to a byte, rounding
 * up, so a dequantizer reads each trit from the top of a product.
 */
function packTrits(x: Float32Array, from: number, id: number, b: Uint8Array, out: number, bytes: number, count: number): void {
  for (let m = 0; m < bytes; ++m) {
    let q = 0;
    for (let n = 0; n < count; ++n) q = q * 3 + trit(x[from + m + n * bytes]!, id);
    // Four trits (the last bytes) take the top four places of five.
    if (count === 4) q *= 3;
    b[out + m] = Math.floor((q * 256 + 242) / 243);
  }
}

const ENCODERS: Record<string, Encode> = {
  Q4_0: symmetric(4),
  Q4_1: affine(4),
  Q5_0: symmetric(5),
  Q5_1: affine(5),
  Q8_0(x, at, b, out) {
    let amax = 0;
    for (let j = 0; j < 32; ++j) amax = Math.max(amax, Math.abs(x[at + j]!));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    putHalf(b, out, d);
    for (let j = 0; j < 32; ++j) b[out + 2 + j] = roundAway(f(x[at + j]! * id)) & 0xff;
  },
  TQ1_0(x, at, b, out) {
    const id = ternaryScale(x, at, b, out + 52);
    packTrits(x, at, id, b, out, 32, 5);
    packTrits(x, at + 160, id, b, out + 32, 16, 5);
    packTrits(x, at + 240, id, b, out + 48, 4, 4);
  },
  TQ2_0(x, at, b, out) {
    const id = ternaryScale(x, at, b, out + 64);
    for (let j = 0; j < 2; ++j) {
      for (let m = 0; m < 32; ++m) {
        let q = 0;
        for (let n = 0; n < 4; ++n) q |= (trit(x[at + 128 * j + m + 32 * n]!, id) & 3) << (2 * n);
        b[out + 32 * j + m] = q;
      }
    }
  },
};

/** The element types a quantizer reads (f16 and bf16 widened to f32 first). */
export const QUANTIZES_FROM = ['F32', 'F16', 'BF16'];

/** The types paramflow quantizes to. */
export const QUANTIZED_TYPES = Object.keys(ENCODERS);
export const quantizes = (type: string): boolean => type in ENCODERS;

/** The kernel that quantizes `from` elements (F32, F16 or BF16; big-endian if asked) to blocks of `type`, a block a unit. */
export function quantizeKernel(from: string, type: string, bigEndian = false): Kernel {
  return namedKernel(`quantize ${from}${bigEndian ? ' big-endian' : ''} to ${type}`, () => {
    const encode = ENCODERS[type];
    const ggml = ggmlTypeByName(type);
    if (!encode || !ggml || !QUANTIZES_FROM.includes(from)) throw new Error(`no quantizer from ${from} to ${type}`);
    const widen = from === 'F32' && !bigEndian ? undefined : castKernel(from, 'F32', bigEndian);
    const { blockBytes, blockElements } = ggml;
    return {
      inputUnit: blockElements * elementBytes(from)!,
      outputUnit: blockBytes,
      run(input, output) {
        const count = input.length / elementBytes(from)!;
        const f32 = new Float32Array(count);
        if (widen) widen.run(input, new Uint8Array(f32.buffer));
        else new Uint8Array(f32.buffer).set(input);
        for (let i = 0; i < count / blockElements; ++i) encode(f32, i * blockElements, output, i * blockBytes);
      },
      recipe: { kind: 'quantize', from, type, bigEndian },
    };
  });
}
