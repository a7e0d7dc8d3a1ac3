export interface StTensor {
  name: string;
  dtype: string;
  shape: number[];
  payload: Uint8Array;
}

/** A safetensors file from a header object and the data section. */
export function safetensorsRaw(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

/** A well-formed safetensors file: tensors packed in order. */
export function safetensorsFile(tensors: StTensor[], metadata?: Record<string, string>): Uint8Array {
  // No prototype: a tensor named __proto__ is a key like any other.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.payload.length] };
    offset += t.payload.length;
  }
  const data = new Uint8Array(offset);
  offset = 0;
  for (const t of tensors) {
    data.set(t.payload, offset);
    offset += t.payload.length;
  }
  return safetensorsRaw(header, data);
}
