import { encodeMetadataBlob, isEmptyMetadata, metadataToGgufKv, metadataToStrings } from '../formats/file-metadata.js';
import type { GgufKvInput } from '../formats/gguf/encode.js';
import { metadataOf, type OpenedSource } from '../sources/open.js';

/**
 * The sources' file metadata (GGUF key/values, safetensors `__metadata__`)
 * in the form each output format holds it; see formats/file-metadata.ts.
 */
export function ggufMetadataOf(sources: OpenedSource[]): GgufKvInput[] {
  return metadataToGgufKv(metadataOf(sources));
}

export function safetensorsMetadataOf(sources: OpenedSource[]): Record<string, string> | undefined {
  const strings = metadataToStrings(metadataOf(sources));
  return strings.size === 0 ? undefined : Object.fromEntries(strings);
}

/** The blob of an IRPA metadata entry, when the archive keeps tensor metadata and there is metadata to keep. */
export function irpaMetadataOf(sources: OpenedSource[], tensorMetadata: boolean): Uint8Array | undefined {
  if (!tensorMetadata) return undefined;
  const metadata = metadataOf(sources);
  return isEmptyMetadata(metadata) ? undefined : encodeMetadataBlob(metadata);
}
