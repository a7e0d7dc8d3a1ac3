import { ggmlByteSwap, swapBytes } from '../formats/byte-swap.js';
import { ggmlTypeByName } from '../formats/gguf/types.js';
import { castKernel, halfTable } from './cast.js';
import { namedKernel, type Kernel } from './kernel.js';

/**
 * GGUF's quantized blocks to f32 values, as ggml's reference dequantizers
 * give them: the same single-precision operations in the same order (each
 * product and difference rounded to f32 with Math.fround; no fused
 * multiply-add), so every value is ggml's to the bit. f16 and bf16 targets
 * are the f32 values cast (ties to even).
 */

const f = Math.fround;
/** Each block's decoder: the block's bytes at `at`, its values into `y` from `out`. */
type Decode = (b: Uint8Array, at: number, y: Float32Array, out: number, half: Float32Array) => void;

const h = (b: Uint8Array, at: number, half: Float32Array) => half[b[at]! | (b[at + 1]! << 8)]!;
const i8 = (v: number) => (v << 24) >> 24;

/** IQ4_NL's and IQ4_XS's sixteen levels. */
const IQ4_LEVELS = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** The 6-bit scale and min of sub-block `j` in the K-quants' 12 packed bytes at `s`. */
function scaleMin(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [b[s + j]! & 63, b[s + j + 4]! & 63];
  return [(b[s + j + 4]! & 0xf) | ((b[s + j - 4]! >> 6) << 4), (b[s + j + 4]! >> 4) | ((b[s + j]! >> 6) << 4)];
}

/** Q4_0, Q4_1, Q5_0, Q5_1: 32 values from 16 bytes of nibbles (and 32 high bits), `d` and, for _1, a min `m`. */
const legacy =
  (fifthBit: boolean, withMin: boolean): Decode =>
  (b, at, y, out, half) => {
    const d = h(b, at, half);
    const m = withMin ? h(b, at + 2, half) : 0;
    const qhAt = at + (withMin ? 4 : 2);
    const qh = fifthBit ? (b[qhAt]! | (b[qhAt + 1]! << 8) | (b[qhAt + 2]! << 16) | (b[qhAt + 3]! << 24)) >>> 0 : 0;
    const qs = qhAt + (fifthBit ? 4 : 0);
    const offset = withMin ? 0 : fifthBit ? 16 : 8;
    for (let j = 0; j < 16; ++j) {
      const x0 = ((b[qs + j]! & 0xf) | (fifthBit ? ((qh >>> j) << 4) & 0x10 : 0)) - offset;
      const x1 = ((b[qs + j]! >> 4) | (fifthBit ? (qh >>> (j + 12)) & 0x10 : 0)) - offset;
      y[out + j] = withMin ? f(f(x0 * d) + m) : x0 * d;
      y[out + j + 16] = withMin ? f(f(x1 * d) + m) : x1 * d;
    }
  };

const DECODERS: Record<string, Decode> = {
  Q4_0: legacy(false, false),
  Q4_1: legacy(false, true),
  Q5_0: legacy(true, false),
  Q5_1: legacy(true, true),
  Q8_0(b, at, y, out, half) {
    const d = h(b, at, half);
    for (let j = 0; j < 32; ++j) y[out + j] = i8(b[at + 2 + j]!) * d;
  },
  Q2_K(b, at, y, out, half) {
    const d = h(b, at + 80, half);
    const min = h(b, at + 82, half);
    let q = at + 16;
    let is = 0;
    for (let n = 0; n < 256; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2) {
        for (const half16 of [0, 16]) {
          const sc = b[at + is++]!;
          const dl = f(d * (sc & 0xf));
          const ml = f(min * (sc >> 4));
          for (let l = 0; l < 16; ++l) y[out++] = f(f(dl * ((b[q + l + half16]! >> shift) & 3)) - ml);
        }
      }
    }
  },
  Q3_K(b, at, y, out, half) {
    const d = h(b, at + 108, half);
    const s = at + 96;
    // Sixteen 6-bit scales: low 4 bits from the first 8 bytes, high 2 from the last 4.
    const scale = (i: number) => ((i < 8 ? b[s + i]! & 0xf : b[s + i - 8]! >> 4) | (((b[s + 8 + (i % 4)]! >> (2 * Math.floor(i / 4))) & 3) << 4)) - 32;
    let q = at + 32;
    let is = 0;
    let m = 1;
    for (let n = 0; n < 256; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2, m <<= 1) {
        for (const half16 of [0, 16]) {
          const dl = f(d * scale(is++));
          for (let l = 0; l < 16; ++l) y[out++] = f(dl * (((b[q + l + half16]! >> shift) & 3) - (b[at + l + half16]! & m ? 0 : 4)));
        }
      }
    }
  },
  Q4_K: kQuant(false),
  Q5_K: kQuant(true),
  Q6_K(b, at, y, out, half) {
    const d = h(b, at + 208, half);
    let ql = at;
    let qh = at + 128;
    let sc = at + 192;
    for (let n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8, out += 128) {
      for (let l = 0; l < 32; ++l) {
        const is = l >> 4;
        const q1 = ((b[ql + l]! & 0xf) | (((b[qh + l]! >> 0) & 3) << 4)) - 32;
        const q2 = ((b[ql + l + 32]! & 0xf) | (((b[qh + l]! >> 2) & 3) << 4)) - 32;
        const q3 = ((b[ql + l]! >> 4) | (((b[qh + l]! >> 4) & 3) << 4)) - 32;
        const q4 = ((b[ql + l + 32]! >> 4) | (((b[qh + l]! >> 6) & 3) << 4)) - 32;
        y[out + l] = f(d * i8(b[sc + is]!)) * q1;
        y[out + l + 32] = f(d * i8(b[sc + is + 2]!)) * q2;
        y[out + l + 64] = f(d * i8(b[sc + is + 4]!)) * q3;
        y[out + l + 96] = f(d * i8(b[sc + is + 6]!)) * q4;
      }
    }
  },
  TQ1_0(b, at, y, out, half) {
    const d = h(b, at + 52, half);
    // Five ternary digits a byte (of 48), four in each of the last 4: digit n is the top of (byte × 3^n) mod 256, times 3.
    const digits = (from: number, bytes: number, count: number) => {
      for (let n = 0, p = 1; n < count; ++n, p *= 3) {
        for (let m = 0; m < bytes; ++m) y[out++] = (((((b[from + m]! * p) & 0xff) * 3) >> 8) - 1) * d;
      }
    };
    digits(at, 32, 5);
    digits(at + 32, 16, 5);
    digits(at + 48, 4, 4);
  },
  TQ2_0(b, at, y, out, half) {
    const d = h(b, at + 64, half);
    for (let j = 0; j < 64; j += 32) for (let l = 0; l < 8; l += 2) for (let m = 0; m < 32; ++m) y[out++] = (((b[at + j + m]! >> l) & 3) - 1) * d;
  },
  IQ4_NL(b, at, y, out, half) {
    const d = h(b, at, half);
    for (let j = 0; j < 16; ++j) {
      y[out + j] = d * IQ4_LEVELS[b[at + 2 + j]! & 0xf]!;
      y[out + j + 16] = d * IQ4_LEVELS[b[at + 2 + j]! >> 4]!;
    }
  },
  IQ4_XS(b, at, y, out, half) {
    const d = h(b, at, half);
    const scalesH = b[at + 2]! | (b[at + 3]! << 8);
    for (let ib = 0; ib < 8; ++ib) {
      const ls = ((b[at + 4 + (ib >> 1)]! >> (4 * (ib % 2))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
      const dl = f(d * (ls - 32));
      const qs = at + 8 + 16 * ib;
      for (let j = 0; j < 16; ++j) {
        y[out + 32 * ib + j] = dl * IQ4_LEVELS[b[qs + j]! & 0xf]!;
        y[out + 32 * ib + j + 16] = dl * IQ4_LEVELS[b[qs + j]! >> 4]!;
      }
    }
  },
};

/** Q4_K and Q5_K: eight sub-blocks of 32, each with a 6-bit scale and min; Q5_K adds a fifth bit from `qh`. */
function kQuant(fifthBit: boolean): Decode {
  return (b, at, y, out, half) => {
    const d = h(b, at, half);
    const min = h(b, at + 2, half);
    const qh = at + 16;
    let q = at + (fifthBit ? 48 : 16);
    for (let j = 0, is = 0, u = 1; j < 256; j += 64, q += 32, is += 2, u <<= 2) {
      const [sc1, m1s] = scaleMin(b, at + 4, is);
      const [sc2, m2s] = scaleMin(b, at + 4, is + 1);
      const [d1, m1, d2, m2] = [f(d * sc1), f(min * m1s), f(d * sc2), f(min * m2s)];
      for (let l = 0; l < 32; ++l) y[out++] = f(f(d1 * ((b[q + l]! & 0xf) + (fifthBit && b[qh + l]! & u ? 16 : 0))) - m1);
      for (let l = 0; l < 32; ++l) y[out++] = f(f(d2 * ((b[q + l]! >> 4) + (fifthBit && b[qh + l]! & (u << 1) ? 16 : 0))) - m2);
    }
  };
}

/** The quantized types paramflow dequantizes. */
export const DEQUANTIZED_TYPES = Object.keys(DECODERS);
export const dequantizes = (type: string): boolean => type in DECODERS;

/** What a dequantizer writes: f32 values, or those cast to f16 or bf16. */
export const DEQUANTIZE_TARGETS = ['F32', 'F16', 'BF16'] as const;
export type DequantizeTarget = (typeof DEQUANTIZE_TARGETS)[number];
/** The kernel that dequantizes blocks of `type` (big-endian ones if asked) to `to`, a block a unit. */
export function dequantizeKernel(type: string, to: DequantizeTarget, bigEndian = false): Kernel {
  return namedKernel(`dequantize ${type}${bigEndian ? ' big-endian' : ''} to ${to}`, () => {
    const decode = DECODERS[type];
    const ggml = ggmlTypeByName(type);
    if (!decode || !ggml) throw new Error(`no dequantizer for ${type}`);
    const swap = bigEndian ? ggmlByteSwap(ggml.id) : undefined;
    const narrow = to === 'F32' ? undefined : castKernel('F32', to);
    const { blockBytes, blockElements } = ggml;
    return {
      inputUnit: blockBytes,
      outputUnit: blockElements * (to === 'F32' ? 4 : 2),
      run(input, output) {
        let bytes = input;
        if (swap) {
          bytes = new Uint8Array(input);
          swapBytes(bytes, swap);
        }
        const blocks = bytes.length / blockBytes;
        const values = new Float32Array(blocks * blockElements);
        const half = halfTable();
        for (let i = 0; i < blocks; ++i) decode(bytes, i * blockBytes, values, i * blockElements, half);
        const f32 = new Uint8Array(values.buffer);
        if (narrow) narrow.run(f32, output);
        else output.set(f32);
      },
      recipe: { kind: 'dequantize', type, to, bigEndian },
    };
  });
}
