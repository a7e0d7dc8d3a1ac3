export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  length: number;
}

export interface SafetensorsLayout {
  /** The u64 length and the JSON header, padded with spaces so the data starts 8-byte aligned. */
  header: Uint8Array;
  /** Absolute file offset of each tensor's bytes, in entry order. */
  offsets: number[];
  totalSize: number;
}

/** Lays out a safetensors file: tensors packed in order, no holes, `__metadata__` first. */
export function planSafetensors(entries: SafetensorsEntry[], metadata?: Record<string, string>): SafetensorsLayout {
  // No prototype: a tensor may be named `__proto__` or `constructor`, and each must be a key like any other.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const relative: number[] = [];
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.length] };
    relative.push(offset);
    offset += e.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = Buffer.alloc(8 + padded, 0x20);
  bytes.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(bytes, 8);
  return { header: bytes, offsets: relative.map((r) => bytes.length + r), totalSize: bytes.length + offset };
}
