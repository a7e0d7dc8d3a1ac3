import { decodeHeaderLength, decodeSafetensorsHeader, type SafetensorsHeader } from '../formats/safetensors/decode.js';
import type { ReadableFile } from '../io/inputs/readable-file.js';
import type { Parameter } from '../model/parameter.js';

export async function readSafetensorsHeader(file: ReadableFile): Promise<SafetensorsHeader> {
  const first8 = await file.read(0, await file.available(8), 'safetensors header length');
  const length = decodeHeaderLength(first8, file.path, file.size);
  const json = await file.read(8, length, 'safetensors header');
  return decodeSafetensorsHeader(json, file.path, file.sizeKnown ? file.size : undefined);
}

export function safetensorsParameters(path: string, header: SafetensorsHeader, scope = ''): Parameter[] {
  return header.tensors.map((t) => ({
    scope,
    key: t.name,
    length: t.end - t.begin,
    storage: { kind: 'data', source: { kind: 'file', path, offset: header.dataOffset + t.begin } },
    alignment: 0,
    tensor: { dtype: t.dtype, shape: t.shape },
    origin: path,
  }));
}
