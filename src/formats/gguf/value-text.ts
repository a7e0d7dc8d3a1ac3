import { decodeGgufValue } from './decode.js';
import { encodeGgufValue, type GgufValueInput } from './encode.js';
import { GgufValueType } from './types.js';
import type { GgufArray, GgufValue } from './value.js';

/**
 * A GGUF metadata value written as text, for formats whose metadata holds
 * only strings (safetensors `__metadata__`): `TYPE:TEXT` for a scalar
 * (`u32:64`, `f32:0.0001`, `str:llama`), `[TYPE]:JSON` for an array of
 * scalars (`[str]:["<s>","</s>"]`, 64-bit integers as JSON strings), and
 * `raw:TYPE_ID:BASE64` of the value's GGUF bytes for anything the readable
 * forms would not give back exactly (invalid UTF-8, a NaN's payload, nested
 * arrays). Every value is checked to come back byte for byte before its
 * readable form is used.
 */
const NAMES: Partial<Record<GgufValueType, string>> = {
  [GgufValueType.UINT8]: 'u8',
  [GgufValueType.INT8]: 'i8',
  [GgufValueType.UINT16]: 'u16',
  [GgufValueType.INT16]: 'i16',
  [GgufValueType.UINT32]: 'u32',
  [GgufValueType.INT32]: 'i32',
  [GgufValueType.FLOAT32]: 'f32',
  [GgufValueType.BOOL]: 'bool',
  [GgufValueType.STRING]: 'str',
  [GgufValueType.UINT64]: 'u64',
  [GgufValueType.INT64]: 'i64',
  [GgufValueType.FLOAT64]: 'f64',
};
const TYPES = new Map(Object.entries(NAMES).map(([id, name]) => [name, Number(id) as GgufValueType]));

/** Longer arrays are carried in the raw form, which costs no object per item. */
const MAX_READABLE_ITEMS = 1 << 20;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The shortest decimal that reads back as the same float32 (`1e-5`, not its double's 0.000009999999747378752). */
export function float32Text(x: number): string {
  if (!Number.isFinite(x) || Object.is(x, -0)) return String(x);
  for (let digits = 1; digits < 9; ++digits) {
    const shorter = Number(x.toPrecision(digits));
    if (Math.fround(shorter) === x) return String(shorter);
  }
  return String(x);
}

const scalarText = (value: GgufValue, type?: GgufValueType): string =>
  value instanceof Uint8Array ? strictUtf8.decode(value) : type === GgufValueType.FLOAT32 && typeof value === 'number' ? float32Text(value) : String(value);

function scalarFromText(type: GgufValueType, text: string): GgufValueInput {
  switch (type) {
    case GgufValueType.STRING:
      return text;
    case GgufValueType.BOOL:
      if (text !== 'true' && text !== 'false') throw new Error('not a bool');
      return text === 'true';
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
      return BigInt(text);
    default: {
      const n = Number(text);
      if (text.trim() === '' || (Number.isNaN(n) && text !== 'NaN')) throw new Error('not a number');
      return n;
    }
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function readable(type: GgufValueType, value: GgufValue): string {
  const name = NAMES[type];
  if (name) return `${name}:${scalarText(value, type)}`;
  const array = value as GgufArray;
  const itemName = NAMES[array.itemType];
  if (!itemName) throw new Error('nested arrays have no readable form');
  if (array.length > MAX_READABLE_ITEMS) throw new Error('too long to check a readable form cheaply');
  const { itemType, items } = array;
  const wide = itemType === GgufValueType.UINT64 || itemType === GgufValueType.INT64;
  const float32 = itemType === GgufValueType.FLOAT32;
  return `[${itemName}]:${JSON.stringify(items.map((item) => (wide || item instanceof Uint8Array ? scalarText(item) : float32 ? Number(float32Text(item as number)) : item)))}`;
}

/** The value as text that `ggufValueFromText` turns back into the same bytes. */
export function ggufValueToText(type: GgufValueType, value: GgufValue): string {
  const bytes = encodeGgufValue(type, value);
  try {
    const text = readable(type, value);
    const back = ggufValueFromText(text);
    if (back && back.type === type && sameBytes(encodeGgufValue(type, back.value), bytes)) return text;
  } catch {
    // Not expressible readably (invalid UTF-8, nested arrays): fall through to the raw form.
  }
  return `raw:${type}:${Buffer.from(bytes).toString('base64')}`;
}

/** A value written by `ggufValueToText`, or undefined when the text is not one. */
export function ggufValueFromText(text: string): { type: GgufValueType; value: GgufValueInput } | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const tag = text.slice(0, colon);
  const body = text.slice(colon + 1);
  try {
    if (tag === 'raw') {
      const [id, base64] = body.split(':');
      const type = Number(id) as GgufValueType;
      if (!Number.isInteger(type) || base64 === undefined) return undefined;
      return { type, value: decodeGgufValue(Buffer.from(base64, 'base64'), type, 'metadata value') };
    }
    const scalar = TYPES.get(tag);
    if (scalar !== undefined) return { type: scalar, value: scalarFromText(scalar, body) };
    const itemType = tag.startsWith('[') && tag.endsWith(']') ? TYPES.get(tag.slice(1, -1)) : undefined;
    if (itemType === undefined) return undefined;
    const items: unknown = JSON.parse(body);
    if (!Array.isArray(items)) return undefined;
    return { type: GgufValueType.ARRAY, value: { itemType, items: items.map((item) => scalarFromText(itemType, String(item))) } };
  } catch {
    return undefined;
  }
}
