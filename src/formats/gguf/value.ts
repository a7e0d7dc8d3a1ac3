import { swapBytes } from '../byte-swap.js';
import { GgufCursor } from './cursor.js';
import { GgufValueType, SCALARS } from './types.js';

/** Arrays nest no deeper than this. */
export const MAX_ARRAY_DEPTH = 16;

/**
 * A metadata value. Strings are kept as the bytes the file holds (a GGUF
 * string need not be valid UTF-8, and a byte-order mark in one is a token):
 * decode them only to show or match them (`ggufText`).
 */
export type GgufScalar = number | bigint | boolean | Uint8Array;
export type GgufValue = GgufScalar | GgufArray;

/**
 * An array value, held as the bytes of its items (little-endian, as a GGUF
 * file stores them) rather than as one object per item: a file's array may
 * hold hundreds of millions of items, and most are only carried through.
 * Items are decoded when asked for, a slice at a time.
 */
export class GgufArray {
  constructor(
    readonly itemType: GgufValueType,
    readonly length: number,
    /** The items' encoding, without the array's type and count. */
    readonly bytes: Uint8Array,
  ) {}

  /** Items from `start` up to `end`, decoded. */
  slice(start = 0, end = this.length): GgufValue[] {
    const items: GgufValue[] = [];
    let i = 0;
    for (const item of this) {
      if (i >= end) break;
      if (i++ >= start) items.push(item);
    }
    return items;
  }

  /** Every item, decoded: for arrays known to be small (the caller's cap). */
  get items(): GgufValue[] {
    return this.slice();
  }

  *[Symbol.iterator](): Iterator<GgufValue> {
    const codec = SCALARS[this.itemType];
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    if (codec) {
      for (let i = 0; i < this.length; ++i) yield codec.get(view, i * codec.size, true);
      return;
    }
    const c = new GgufCursor(this.bytes, 'metadata array', this.bytes.length);
    for (let i = 0; i < this.length; ++i) yield readValue(c, this.itemType, 0, 'item', 1);
  }
}

/** One value of `type` at the cursor; arrays are checked whole but not decoded. */
export function readValue(c: GgufCursor, type: number, typeAt: number, key: string, depth: number): GgufValue {
  const codec = SCALARS[type as GgufValueType];
  if (codec) return c.scalar(codec, `value of '${key}'`);
  if (type === GgufValueType.STRING) return c.stringBytes(`value of '${key}'`);
  if (type !== GgufValueType.ARRAY) c.fail(typeAt, `unknown metadata value type ${type} for '${key}'`);
  const start = c.pos;
  const { itemType, count } = skipArray(c, typeAt, key, depth);
  const bytes = c.bytes.subarray(start + 12, c.pos);
  return new GgufArray(itemType, count, c.littleEndian ? bytes : littleEndianItems(bytes, itemType, count));
}

/**
 * Checks an array (type, count, then items) and moves past it in time linear
 * in its string and nested-array items, and constant for scalar items,
 * building nothing.
 */
function skipArray(c: GgufCursor, typeAt: number, key: string, depth: number): { itemType: GgufValueType; count: number } {
  if (depth >= MAX_ARRAY_DEPTH) c.fail(typeAt, `arrays in '${key}' nest deeper than ${MAX_ARRAY_DEPTH}`);
  const itemTypeAt = c.pos;
  const itemType = c.u32(`array item type of '${key}'`);
  const countAt = c.pos;
  const count = c.u64(`array length of '${key}'`);
  const codec = SCALARS[itemType as GgufValueType];
  // Strings take at least their 8-byte length, nested arrays their 12-byte header.
  const minItem = codec?.size ?? (itemType === GgufValueType.STRING ? 8 : 12);
  if (count * minItem > c.remaining) c.fail(countAt, `array length ${count} of '${key}' is more than the rest of the file can hold`);
  if (count === 0) return { itemType, count };
  if (codec) c.skip(count * codec.size, `items of '${key}'`);
  else if (itemType === GgufValueType.STRING) {
    const what = `a string item of '${key}'`; // made once: arrays hold millions
    for (let i = 0; i < count; ++i) c.skipString(what);
  }
  else if (itemType === GgufValueType.ARRAY) for (let i = 0; i < count; ++i) skipArray(c, itemTypeAt, key, depth + 1);
  else c.fail(itemTypeAt, `unknown metadata value type ${itemType} for '${key}'`);
  return { itemType, count };
}

/** A big-endian file's array items, already checked, in little-endian order (a copy). */
function littleEndianItems(bytes: Uint8Array, itemType: GgufValueType, count: number): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const swapItems = (at: number, type: GgufValueType, n: number): number => {
    const size = SCALARS[type]?.size;
    if (size !== undefined) {
      // Node's own swaps, as for big-endian payloads.
      if (size > 1) swapBytes(copy.subarray(at, at + n * size), { period: size, fields: [[0, size]] });
      return at + n * size;
    }
    for (let i = 0; i < n; ++i) {
      if (type === GgufValueType.STRING) {
        // A DataView per length, not a swap call: string arrays hold millions of them.
        const high = view.getUint32(at, false);
        const low = view.getUint32(at + 4, false);
        view.setUint32(at, low, true);
        view.setUint32(at + 4, high, true);
        at += 8 + high * 2 ** 32 + low;
      } else {
        const inner = view.getUint32(at, false);
        const innerCount = Number(view.getBigUint64(at + 4, false));
        view.setUint32(at, inner, true);
        view.setBigUint64(at + 4, BigInt(innerCount), true);
        at = swapItems(at + 12, inner, innerCount);
      }
    }
    return at;
  };
  swapItems(0, itemType, count);
  return copy;
}
