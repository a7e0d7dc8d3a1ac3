import { alignUp } from '../bytes.js';
import { encodeGgufHeader, type GgufKvInput } from './encode.js';
import { DEFAULT_ALIGNMENT, GgufValueType } from './types.js';

export interface GgufEntry {
  name: string;
  /** ggml order: innermost dimension first. */
  dims: number[];
  typeId: number;
  length: number;
  /** A multiple of the file's alignment to place this tensor at, when it asks for more. */
  placement?: number | undefined;
}

export interface GgufLayout {
  /** Magic, metadata and tensor infos; the padding to the data section is zeros, left to the sized file. */
  header: Uint8Array;
  /** Absolute file offset of each tensor's bytes. */
  offsets: number[];
  totalSize: number;
  alignment: number;
}

const ALIGNMENT_KEY = 'general.alignment';

/** The alignment `general.alignment` records among key/values, if any does. */
export function recordedAlignment(kv: GgufKvInput[]): number | undefined {
  const value = kv.findLast((k) => k.key === ALIGNMENT_KEY)?.value;
  return typeof value === 'number' || typeof value === 'bigint' ? Number(value) : undefined;
}

/**
 * The key/values with `general.alignment` saying `alignment`: changed where
 * it stands (so a rewrite keeps its place), added at the end when missing
 * and not the default.
 */
function withAlignment(kv: GgufKvInput[], alignment: number): GgufKvInput[] {
  if (recordedAlignment(kv) === undefined) {
    return alignment === DEFAULT_ALIGNMENT ? kv : [...kv, { key: ALIGNMENT_KEY, type: GgufValueType.UINT32, value: alignment }];
  }
  return kv.map((k) => (k.key === ALIGNMENT_KEY ? { ...k, value: typeof k.value === 'bigint' ? BigInt(alignment) : alignment } : k));
}

/**
 * Lays out a GGUF v3 file as llama.cpp writes one: each tensor at the next
 * multiple of the alignment in the data section (or of its own placement,
 * when larger), the data padded to it. The alignment is `alignment` when
 * given, else the one the key/values record, else 32; `general.alignment`
 * says it whenever it is not the default. A file with no tensors ends with
 * its tensor infos, as llama.cpp's vocabulary files do.
 */
export function planGguf(kv: GgufKvInput[], entries: GgufEntry[], alignment = recordedAlignment(kv) ?? DEFAULT_ALIGNMENT): GgufLayout {
  let offset = 0;
  const relative = entries.map((e) => {
    const at = alignUp(offset, Math.max(alignment, e.placement ?? 0));
    offset = alignUp(at + e.length, alignment);
    return at;
  });
  const infos = encodeGgufHeader({
    kv: withAlignment(kv, alignment),
    tensors: entries.map((e, i) => ({ name: e.name, dims: e.dims, typeId: e.typeId, offset: relative[i]! })),
  });
  const dataOffset = entries.length === 0 ? infos.length : alignUp(infos.length, alignment);
  return { header: infos, offsets: relative.map((r) => dataOffset + r), totalSize: dataOffset + offset, alignment };
}
