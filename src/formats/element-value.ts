import { UsageError } from '../errors.js';
import { elementBytes, type ElementType } from './element-type.js';
import { lookupTable } from './lookup-table.js';
import { BF16, F16, F8E4M3FN, F8E4M3FNUZ, F8E5M2, F8E5M2FNUZ, narrowFloat, narrowToE8M0, type MiniFloatFormat } from './minifloat.js';

const F8_FORMATS = lookupTable<MiniFloatFormat>({
  f8E5M2: F8E5M2,
  f8E4M3FN: F8E4M3FN,
  f8E5M2FNUZ: F8E5M2FNUZ,
  f8E4M3FNUZ: F8E4M3FNUZ,
});

/**
 * Encodes one typed value (`4.5` as f32, `123` as i8, `CAFEF00D` as x32) into
 * its little-endian bytes, the way IREE's HAL parses element values.
 */
export function encodeElement(text: string, type: ElementType): Uint8Array {
  const size = elementBytes(type);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const bad = (why: string): never => {
    throw new UsageError(`invalid ${type.name} value '${text}': ${why}`);
  };
  if (type.kind === 'f8') {
    const value = parseFloatText(text) ?? bad('not a number');
    out[0] = type.name === 'f8E8M0FNU' ? narrowToE8M0(value) : narrowFloat(value, F8_FORMATS[type.name]!);
    return out;
  }
  if (type.kind === 'bool' && /^(true|false)$/i.test(text)) {
    out[0] = /^true$/i.test(text) ? 1 : 0;
    return out;
  }
  if ((type.kind === 'int' || type.kind === 'sint' || type.kind === 'uint') && [8, 16, 32, 64].includes(type.bits)) {
    const value = parseIntegerText(text) ?? bad('not an integer');
    const bits = BigInt(type.bits);
    const min = type.kind === 'uint' ? 0n : -(1n << (bits - 1n));
    const max = type.kind === 'sint' ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    if (value < min || value > max) bad(`out of range [${min}, ${max}]`);
    const wrapped = BigInt.asUintN(type.bits, value);
    for (let i = 0; i < size; ++i) out[i] = Number((wrapped >> BigInt(8 * i)) & 0xffn);
    return out;
  }
  if ((type.kind === 'float' && [16, 32, 64].includes(type.bits)) || (type.kind === 'bfloat' && type.bits === 16)) {
    const value = parseFloatText(text) ?? bad('not a number');
    if (type.bits === 64) view.setFloat64(0, value, true);
    else if (type.bits === 32) view.setFloat32(0, value, true);
    else view.setUint16(0, narrowFloat(value, type.kind === 'bfloat' ? BF16 : F16), true);
    return out;
  }
  // Everything else (opaque, complex, odd widths, i1) is given as hex bytes in byte order.
  if (text.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(text)) {
    bad(`expected ${size * 2} hex digits (the ${size} bytes in order)`);
  }
  for (let i = 0; i < size; ++i) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** C's strtol with base 0: decimal, 0x hex or 0-prefixed octal, with a sign. */
function parseIntegerText(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text.trim());
  if (!m) return undefined;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits)
    ? BigInt(digits)
    : digits.length > 1 && digits.startsWith('0')
      ? BigInt(`0o${digits.slice(1)}`)
      : BigInt(digits);
  return m[1] === '-' ? -magnitude : magnitude;
}

/** Decimal or scientific numbers, `inf`, `infinity` and `nan`, with a sign. */
function parseFloatText(text: string): number | undefined {
  const t = text.trim();
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) {
    const value = /^nan$/i.test(special[2]!) ? NaN : Infinity;
    return special[1] === '-' ? -value : value;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}
