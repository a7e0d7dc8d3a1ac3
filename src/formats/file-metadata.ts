import type { GgufKvInput } from './gguf/encode.js';
import { GgufValueType } from './gguf/types.js';
import { ggufValueFromText, ggufValueToText } from './gguf/value-text.js';

/**
 * A file's own metadata, carried from format to format: GGUF key/values in
 * file order as stored, and safetensors `__metadata__` entries. Each target
 * holds both without loss:
 * - safetensors `__metadata__` (and an IRPA metadata entry) holds GGUF
 *   key/values as `gguf:KEY` entries whose values say type and value as text
 *   (see value-text.ts);
 * - GGUF holds safetensors entries as string key/values named
 *   `safetensors.metadata.KEY`.
 * Reading either form back gives the original, so a round trip through any
 * format returns the same bytes.
 */
export interface FileMetadata {
  gguf: GgufKvInput[];
  safetensors: Map<string, string>;
}

export const GGUF_PREFIX = 'gguf:';
export const SAFETENSORS_PREFIX = 'safetensors.metadata.';

export const noMetadata = (): FileMetadata => ({ gguf: [], safetensors: new Map() });

export const isEmptyMetadata = (m: FileMetadata) => m.gguf.length === 0 && m.safetensors.size === 0;

/**
 * Metadata as a string map (safetensors `__metadata__`): its own entries
 * first, then the GGUF key/values. A key stored twice in a GGUF file gives
 * its later value, as GGUF readers take it.
 */
export function metadataToStrings(metadata: FileMetadata): Map<string, string> {
  const strings = new Map(metadata.safetensors);
  for (const kv of metadata.gguf) strings.set(`${GGUF_PREFIX}${kv.key}`, ggufValueToText(kv.type, kv.value as never));
  return strings;
}

/** The inverse of metadataToStrings: `gguf:` entries that read as values become GGUF key/values again. */
export function metadataFromStrings(strings: Iterable<[string, string]>): FileMetadata {
  const metadata = noMetadata();
  for (const [key, text] of strings) {
    const value = key.startsWith(GGUF_PREFIX) ? ggufValueFromText(text) : undefined;
    if (value) metadata.gguf.push({ key: key.slice(GGUF_PREFIX.length), ...value });
    else metadata.safetensors.set(key, text);
  }
  return metadata;
}

/** Metadata as GGUF key/values: the GGUF ones as they were, then safetensors entries as strings. */
export function metadataToGgufKv(metadata: FileMetadata): GgufKvInput[] {
  const carried = [...metadata.safetensors].map(([key, text]): GgufKvInput => ({ key: `${SAFETENSORS_PREFIX}${key}`, type: GgufValueType.STRING, value: text }));
  return [...metadata.gguf, ...carried];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The inverse of metadataToGgufKv. */
export function metadataFromGgufKv(kv: GgufKvInput[]): FileMetadata {
  const metadata = noMetadata();
  for (const entry of kv) {
    const text = entry.key.startsWith(SAFETENSORS_PREFIX) && entry.type === GgufValueType.STRING ? utf8OrUndefined(entry.value) : undefined;
    if (text !== undefined) metadata.safetensors.set(entry.key.slice(SAFETENSORS_PREFIX.length), text);
    else metadata.gguf.push(entry);
  }
  return metadata;
}

function utf8OrUndefined(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  try {
    return value instanceof Uint8Array ? strictUtf8.decode(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Several sources' metadata as one target keeps it: the key/values of the
 * first source that has GGUF ones, and every safetensors entry (the first
 * source to give a key wins).
 */
export function mergeMetadata(all: FileMetadata[]): FileMetadata {
  const safetensors = new Map<string, string>();
  for (const m of all) for (const [key, text] of m.safetensors) if (!safetensors.has(key)) safetensors.set(key, text);
  return { gguf: all.find((m) => m.gguf.length > 0)?.gguf ?? [], safetensors };
}

/** How many entries a target that keeps none of them leaves out, for a note. */
export function describeDropped(metadata: FileMetadata): string | undefined {
  const parts = [
    ...(metadata.gguf.length > 0 ? [`${metadata.gguf.length} GGUF metadata key${metadata.gguf.length === 1 ? '' : 's'}`] : []),
    ...(metadata.safetensors.size > 0 ? [`${metadata.safetensors.size} safetensors __metadata__ entr${metadata.safetensors.size === 1 ? 'y' : 'ies'}`] : []),
  ];
  return parts.length === 0 ? undefined : `${parts.join(' and ')} not written`;
}

/** The name of the IRPA skip entry whose metadata holds the file's metadata (IREE's reader passes skip entries over). */
export const METADATA_ENTRY = '__metadata__';
const BLOB_PREFIX = 'METADATAv0:';

/** The metadata as an IRPA entry's metadata blob: a prefix, then the string map as JSON. */
export function encodeMetadataBlob(metadata: FileMetadata): Uint8Array {
  return Buffer.from(`${BLOB_PREFIX}${JSON.stringify(Object.fromEntries(metadataToStrings(metadata)))}`);
}

/** The metadata an IRPA metadata entry holds, or undefined for a blob of another kind. */
export function decodeMetadataBlob(blob: Uint8Array | undefined): FileMetadata | undefined {
  if (!blob) return undefined;
  const text = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8');
  if (!text.startsWith(BLOB_PREFIX)) return undefined;
  try {
    const map: unknown = JSON.parse(text.slice(BLOB_PREFIX.length));
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return undefined;
    const entries = Object.entries(map);
    return entries.every(([, v]) => typeof v === 'string') ? metadataFromStrings(entries as [string, string][]) : undefined;
  } catch {
    return undefined;
  }
}
