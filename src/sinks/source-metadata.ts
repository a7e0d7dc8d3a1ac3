import { describeDropped, encodeMetadataBlob, isEmptyMetadata, metadataToGgufKv, metadataToStrings } from '../formats/file-metadata.js';
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

/** The metadata option a writer of `format` takes (GGUF key/values, safetensors `__metadata__`, the IRPA metadata entry), and only that: a vocabulary's encoding is not paid three times. */
export function metadataOptions(sources: OpenedSource[], format: string, tensorMetadata: boolean): { kv?: GgufKvInput[]; metadata?: Record<string, string> | undefined; fileMetadata?: Uint8Array | undefined } {
  if (format === 'gguf') return { kv: ggufMetadataOf(sources) };
  if (format === 'safetensors') return { metadata: safetensorsMetadataOf(sources) };
  return { fileMetadata: irpaMetadataOf(sources, tensorMetadata) };
}

/** A note on the sources' metadata an output leaves out: IRPA keeps it only with tensor metadata (`asked` says how to ask). */
export function droppedMetadataNote(format: string, tensorMetadata: boolean, sources: OpenedSource[], asked = '--tensor-metadata'): string | undefined {
  if (format !== 'irpa' || tensorMetadata) return undefined;
  const dropped = describeDropped(metadataOf(sources));
  return dropped && `${dropped} (IRPA keeps them with ${asked})`;
}
