import { alignUp } from '../bytes.js';
import { encodeGgufHeader, type GgufKvInput } from './encode.js';
import { DEFAULT_ALIGNMENT, GgufValueType } from './types.js';

export interface GgufEntry {
  name: string;
  /** ggml order: innermost dimension first. */
  dims: number[];
  typeId: number;
  length: number;
}

export interface GgufLayout {
  /** Magic, metadata and tensor infos, padded to where the data section starts. */
  header: Uint8Array;
  /** Absolute file offset of each tensor's bytes. */
  offsets: number[];
  totalSize: number;
}

/**
 * Lays out a GGUF v3 file as llama.cpp writes one: each tensor at the next
 * multiple of the alignment in the data section, the data padded to it.
 * `general.alignment` is written when it is not the default.
 */
export function planGguf(kv: GgufKvInput[], entries: GgufEntry[], alignment = DEFAULT_ALIGNMENT): GgufLayout {
  const keys = kv.filter((k) => k.key !== 'general.alignment');
  if (alignment !== DEFAULT_ALIGNMENT) keys.push({ key: 'general.alignment', type: GgufValueType.UINT32, value: alignment });
  let offset = 0;
  const relative = entries.map((e) => {
    const at = offset;
    offset = alignUp(at + e.length, alignment);
    return at;
  });
  const infos = encodeGgufHeader({ kv: keys, tensors: entries.map((e, i) => ({ name: e.name, dims: e.dims, typeId: e.typeId, offset: relative[i]! })) });
  const dataOffset = alignUp(infos.length, alignment);
  const header = new Uint8Array(dataOffset);
  header.set(infos);
  return { header, offsets: relative.map((r) => dataOffset + r), totalSize: dataOffset + offset };
}
