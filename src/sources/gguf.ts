import { FormatError } from '../errors.js';
import { metadataFromGgufKv, type FileMetadata } from '../formats/file-metadata.js';
import { NeedMoreBytes } from '../formats/gguf/cursor.js';
import { decodeGguf, type GgufHeader } from '../formats/gguf/decode.js';
import type { ReadableFile } from '../io/inputs/readable-file.js';
import type { Parameter } from '../model/parameter.js';

/** Metadata and tensor infos larger than this are refused (real ones are a few MiB). */
export const MAX_GGUF_HEADER_BYTES = 512 * 1024 * 1024;
const FIRST_WINDOW = 4 * 1024 * 1024;

/**
 * Reads a GGUF header from the front of the file, growing the window until
 * the whole header fits: never more than the header, never the tensor data.
 */
export async function readGgufHeader(file: ReadableFile): Promise<GgufHeader> {
  let window = await file.available(FIRST_WINDOW);
  for (;;) {
    const bytes = await file.read(0, window, 'GGUF header');
    try {
      return decodeGguf(bytes, file.path, file.size);
    } catch (error) {
      if (!(error instanceof NeedMoreBytes)) throw error;
      const wanted = Math.max(window * 4, error.atLeast);
      if (Math.min(wanted, file.size) > MAX_GGUF_HEADER_BYTES) {
        throw new FormatError(file.path, 0, `GGUF metadata and tensor infos are larger than the ${MAX_GGUF_HEADER_BYTES}-byte limit`);
      }
      window = await file.available(wanted);
    }
  }
}

/** A GGUF file's key/values less its split keys, which describe the old file set (`general.alignment` stays, as llama-gguf-split keeps it). */
export function ggufFileMetadata(header: GgufHeader): FileMetadata {
  return metadataFromGgufKv(header.entries.filter((kv) => !kv.key.startsWith('split.')));
}

export function ggufParameters(path: string, header: GgufHeader, scope = ''): Parameter[] {
  return header.tensors.map((t) => ({
    scope,
    key: t.name,
    length: t.size,
    storage: { kind: 'data', source: { kind: 'file', path, offset: header.dataOffset + t.offset } },
    alignment: header.alignment,
    tensor: { dtype: t.type.name, shape: [...t.dims].reverse(), ggmlType: t.type.id, ...(header.littleEndian ? {} : { bigEndian: true }) },
    origin: path,
  }));
}
