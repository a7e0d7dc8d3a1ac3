import type { GgufKvInput } from '../formats/gguf/encode.js';
import type { OpenedSource } from '../sources/open.js';

/**
 * File-level metadata carried into a new file of the same ecosystem: the
 * first GGUF input's key/values (less its split and alignment keys, which
 * describe the old file), and the safetensors inputs' `__metadata__`.
 */
export function ggufMetadataOf(sources: OpenedSource[]): GgufKvInput[] {
  const first = sources.find((s) => s.gguf)?.gguf;
  if (!first) return [];
  return [...first.kv.values()].filter((kv) => !kv.key.startsWith('split.') && kv.key !== 'general.alignment');
}

export function safetensorsMetadataOf(sources: OpenedSource[]): Record<string, string> | undefined {
  const all = sources.flatMap((s) => (s.safetensorsMetadata ? [s.safetensorsMetadata] : []));
  return all.length === 0 ? undefined : Object.assign({}, ...all.reverse());
}
