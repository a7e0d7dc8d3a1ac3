import { encodeGgufHeader, type GgufKvInput } from '../../src/formats/gguf/encode.js';
import type { GgufHeader } from '../../src/formats/gguf/decode.js';
import { RandomAccessFile } from '../../src/io/inputs/random-access-file.js';
import { readGgufHeader } from '../../src/sources/gguf.js';
import { GgufValueType } from '../../src/formats/gguf/types.js';

export interface TestTensor {
  name: string;
  dims: number[];
  typeId: number;
  payload: Uint8Array;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** A complete GGUF file: header, padding, each payload at an aligned offset. */
export function ggufFile(options: { kv?: GgufKvInput[]; tensors: TestTensor[]; alignment?: number; littleEndian?: boolean; version?: 2 | 3 }): Uint8Array {
  const alignment = options.alignment ?? 32;
  const kv = [...(options.kv ?? [])];
  if (options.alignment !== undefined) kv.push({ key: 'general.alignment', type: GgufValueType.UINT32, value: alignment });
  let offset = 0;
  const tensors = options.tensors.map((t) => {
    const at = offset;
    offset = align(at + t.payload.length, alignment);
    return { name: t.name, dims: t.dims, typeId: t.typeId, offset: at };
  });
  const header = encodeGgufHeader({ version: options.version ?? 3, littleEndian: options.littleEndian ?? true, kv, tensors });
  const dataOffset = align(header.length, alignment);
  const bytes = new Uint8Array(dataOffset + offset);
  bytes.set(header);
  options.tensors.forEach((t, i) => bytes.set(t.payload, dataOffset + tensors[i]!.offset));
  return bytes;
}

/** The decoded header of a GGUF file on disk. */
export async function ggufHeaderOf(path: string): Promise<GgufHeader> {
  const file = await RandomAccessFile.open(path);
  try {
    return await readGgufHeader(file);
  } finally {
    await file.close();
  }
}

/** A GGUF whose metadata is mostly arrays (strings, nested, scalars): lying counts land on them often. */
export function metadataArraysGguf(littleEndian: boolean): Uint8Array {
  return ggufFile({
    littleEndian,
    kv: [
      { key: 'tokens', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, items: ['<s>', '</s>', 'a', 'bc'] } },
      { key: 'nested', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.ARRAY, items: [{ itemType: GgufValueType.INT32, items: [1, 2] }, { itemType: GgufValueType.STRING, items: ['x'] }] } },
      { key: 'scores', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.FLOAT32, items: [0.5, -1, 2] } },
      { key: 'ids', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.UINT64, items: [1n, 2n] } },
    ],
    tensors: [{ name: 'w', dims: [4], typeId: 0, payload: new Uint8Array(16) }],
  });
}
