import { GgufArray, type GgufValue } from './value.js';
import { GgufValueType, SCALARS, type ScalarCodec } from './types.js';

/** A value to write: strings as their stored bytes, or as text (encoded as UTF-8). */
export type GgufValueInput = GgufValue | string | { itemType: GgufValueType; items: GgufValueInput[] };

export interface GgufKvInput {
  key: string;
  type: GgufValueType;
  value: GgufValueInput;
}

export interface GgufTensorInput {
  name: string;
  /** ggml order: innermost dimension first. */
  dims: number[];
  typeId: number;
  /** Offset relative to the data section. */
  offset: number;
}

export interface GgufEncodeInput {
  version?: 2 | 3;
  littleEndian?: boolean;
  kv: GgufKvInput[];
  tensors: GgufTensorInput[];
}

/** A growable little- or big-endian byte buffer. */
class GrowableWriter {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  length = 0;
  constructor(readonly le: boolean) {}

  /** Makes room for n more bytes; returns where they go. Call before touching view or bytes. */
  private reserve(n: number): number {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  scalar(codec: ScalarCodec, value: GgufValueInput): void {
    const at = this.reserve(codec.size);
    codec.set(this.view, at, value as number | bigint | boolean, this.le);
  }

  u32 = (v: number) => this.scalar(SCALARS[GgufValueType.UINT32]!, v);
  u64 = (v: number | bigint) => this.scalar(SCALARS[GgufValueType.UINT64]!, BigInt(v));
  raw = (b: Uint8Array) => {
    const at = this.reserve(b.length);
    this.bytes.set(b, at);
  };
  string = (s: string | Uint8Array) => {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    this.u64(b.length);
    this.raw(b);
  };

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

function writeValue(w: GrowableWriter, type: GgufValueType, value: GgufValueInput): void {
  const codec = SCALARS[type];
  if (codec) return w.scalar(codec, value);
  if (type === GgufValueType.STRING) return w.string(value as string | Uint8Array);
  const array = value as GgufArray | { itemType: GgufValueType; items: GgufValueInput[] };
  w.u32(array.itemType);
  if (array instanceof GgufArray) {
    w.u64(array.length);
    // Its bytes are already little-endian: copy them whole.
    if (w.le) return w.raw(array.bytes);
    for (const item of array) writeValue(w, array.itemType, item);
    return;
  }
  w.u64(array.items.length);
  for (const item of array.items) writeValue(w, array.itemType, item);
}

/** Encodes magic, counts, metadata and tensor infos (the data section is the caller's). */
export function encodeGgufHeader(input: GgufEncodeInput): Uint8Array {
  const w = new GrowableWriter(input.littleEndian ?? true);
  w.raw(new TextEncoder().encode('GGUF'));
  w.u32(input.version ?? 3);
  w.u64(input.tensors.length);
  w.u64(input.kv.length);
  for (const { key, type, value } of input.kv) {
    w.string(key);
    w.u32(type);
    writeValue(w, type, value);
  }
  for (const t of input.tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.typeId);
    w.u64(t.offset);
  }
  return w.result();
}

/** One value's bytes as a GGUF file stores them (little-endian), without its type. */
export function encodeGgufValue(type: GgufValueType, value: GgufValueInput): Uint8Array {
  const w = new GrowableWriter(true);
  writeValue(w, type, value);
  return w.result();
}
