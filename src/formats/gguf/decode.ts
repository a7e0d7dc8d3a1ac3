import { alignUp, isPowerOfTwo } from '../bytes.js';
import { GgufCursor } from './cursor.js';
import { DEFAULT_ALIGNMENT, ggmlType, GgufValueType, MAX_DIMS, type GgmlType } from './types.js';
import { readValue, type GgufValue } from './value.js';

export type { GgufArray, GgufScalar, GgufValue } from './value.js';

export interface GgufKv {
  key: string;
  type: GgufValueType;
  value: GgufValue;
  /** File offset of the key, for messages. */
  offset: number;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the innermost (contiguous) dimension. */
  dims: number[];
  type: GgmlType;
  /** Offset relative to the data section. */
  offset: number;
  /** Bytes, from the type table. */
  size: number;
  /** File offset of the tensor info, for messages. */
  infoOffset: number;
}

export interface GgufHeader {
  version: number;
  littleEndian: boolean;
  /** Metadata by key; a key stored twice keeps its later value. */
  kv: Map<string, GgufKv>;
  /** Every key/value in file order, a key stored twice included: what a rewrite writes back. */
  entries: GgufKv[];
  /** Keys stored more than once, with how often. */
  duplicateKeys: Map<string, number>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset of the data section. */
  dataOffset: number;
}

/** Caps on what a file may make the reader build. */
const MIN_KV_BYTES = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

/**
 * Decodes a GGUF header (v2 or v3, either byte order): metadata and tensor
 * infos, validated against the type table and the file's size.
 */
export function decodeGguf(bytes: Uint8Array, file: string, fileSize: number): GgufHeader {
  const c = new GgufCursor(bytes, file, fileSize);
  const magic = c.u32('magic');
  if (magic !== 0x46554747) c.fail(0, 'not a GGUF file (magic is not "GGUF")');
  let version = c.u32('version');
  // A byte-swapped version (gguf-py's big-endian files) has its value in the high half.
  if (version !== 0 && (version & 0xffff) === 0) {
    c.littleEndian = false;
    version = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, false);
  }
  if (version === 1) c.fail(4, 'GGUF version 1 is obsolete and not supported; convert the file with a current llama.cpp');
  if (version !== 2 && version !== 3) c.fail(4, `unsupported GGUF version ${version} (this reader knows 2 and 3)`);

  const countsAt = c.pos;
  const tensorCount = c.u64('tensor_count');
  const kvCount = c.u64('kv_count');
  if (tensorCount * MIN_TENSOR_INFO_BYTES + kvCount * MIN_KV_BYTES > c.remaining) {
    c.fail(countsAt, `tensor_count ${tensorCount} and kv_count ${kvCount} are more than a file of ${fileSize} bytes can hold`);
  }

  const kv = new Map<string, GgufKv>();
  const entries: GgufKv[] = [];
  const duplicateKeys = new Map<string, number>();
  for (let i = 0; i < kvCount; ++i) {
    const offset = c.pos;
    const key = c.string(`metadata key ${i}`);
    const typeAt = c.pos;
    const type = c.u32(`type of '${key}'`);
    const value = readValue(c, type, typeAt, key, 0);
    if (kv.has(key)) duplicateKeys.set(key, (duplicateKeys.get(key) ?? 1) + 1);
    const entry = { key, type, value, offset };
    kv.set(key, entry);
    entries.push(entry);
  }

  const alignment = readAlignment(c, kv.get('general.alignment'));
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; ++i) {
    const info = readTensorInfo(c, i);
    if (names.has(info.name)) c.fail(info.infoOffset, `tensor '${info.name}' is stored twice`);
    names.add(info.name);
    tensors.push(info);
  }
  const dataOffset = alignUp(c.pos, alignment);
  for (const t of tensors) {
    if (t.offset % alignment !== 0) c.fail(t.infoOffset, `tensor '${t.name}' offset ${t.offset} is not a multiple of the alignment ${alignment}`);
    if (dataOffset + t.offset + t.size > fileSize) {
      c.fail(t.infoOffset, `tensor '${t.name}' data (${t.size} bytes at ${dataOffset + t.offset}) runs past the end of the file (${fileSize} bytes)`);
    }
  }
  return { version, littleEndian: c.littleEndian, kv, entries, duplicateKeys, tensors, alignment, dataOffset };
}

function readAlignment(c: GgufCursor, entry: GgufKv | undefined): number {
  if (!entry) return DEFAULT_ALIGNMENT;
  const value = entry.value;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || typeof entry.value === 'boolean' || !isPowerOfTwo(n)) {
    c.fail(entry.offset, `general.alignment must be a power of two, not ${String(value)}`);
  }
  return n;
}

function readTensorInfo(c: GgufCursor, index: number): GgufTensorInfo {
  const infoOffset = c.pos;
  const name = c.string(`tensor ${index} name`);
  const nDimsAt = c.pos;
  const nDims = c.u32(`dimension count of '${name}'`);
  if (nDims > MAX_DIMS) c.fail(nDimsAt, `tensor '${name}' has ${nDims} dimensions; ggml allows at most ${MAX_DIMS}`);
  const dims: number[] = [];
  let elements = 1n;
  for (let d = 0; d < nDims; ++d) {
    const dim = c.u64big(`dimension ${d} of '${name}'`);
    // A dimension past 2^53 could not be written back as read.
    if (dim > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(nDimsAt, `tensor '${name}' dimension ${d} is ${dim}, more than any file can hold`);
    elements *= dim;
    if (elements > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(nDimsAt, `tensor '${name}' dimensions overflow: their product passes 2^53`);
    dims.push(Number(dim));
  }
  const typeAt = c.pos;
  const typeId = c.u32(`type of '${name}'`);
  const type = ggmlType(typeId);
  if (!type) c.fail(typeAt, `tensor '${name}' has unknown ggml type ${typeId}`);
  const offset = c.u64(`offset of '${name}'`);
  const n = Number(elements);
  if ((dims[0] ?? 1) % type.blockElements !== 0) {
    c.fail(nDimsAt, `tensor '${name}' row of ${dims[0]} elements is not a multiple of the ${type.name} block size ${type.blockElements}`);
  }
  return { name, dims, type, offset, size: (n / type.blockElements) * type.blockBytes, infoOffset };
}

/** One little-endian value of `type` that fills `bytes` exactly; `what` names it in errors. */
export function decodeGgufValue(bytes: Uint8Array, type: GgufValueType, what: string): GgufValue {
  const c = new GgufCursor(bytes, what, bytes.length);
  const value = readValue(c, type, 0, what, 0);
  if (c.pos !== bytes.length) c.fail(c.pos, `${bytes.length - c.pos} bytes left after the value`);
  return value;
}

const text = new TextDecoder('utf-8', { ignoreBOM: true });

/** A string value as text, for showing or matching it (invalid UTF-8 shows as U+FFFD); other values unchanged. */
export function ggufText<T>(value: T | Uint8Array): T | string {
  return value instanceof Uint8Array ? text.decode(value) : value;
}
