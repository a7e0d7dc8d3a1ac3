import type { FileMetadata } from '../formats/file-metadata.js';
import type { GgufValueInput } from '../formats/gguf/encode.js';
import { GgufValueType } from '../formats/gguf/types.js';
import { GgufArray } from '../formats/gguf/value.js';
import { float32Text } from '../formats/gguf/value-text.js';
import { printable } from './printable.js';

/**
 * A file's own metadata as `dump --metadata` shows it, as gguf-py's
 * gguf_dump lists key/values: number, type, item count, key and value,
 * long arrays cut after a few items. GGUF strings are bytes: shown as
 * UTF-8, and JSON gives the bytes in hex when they are not valid UTF-8.
 */
const ARRAY_ITEMS_SHOWN = 8;
/** `--json` lists arrays whole up to this many items, and the first ones of a longer array (real vocabularies hold a few hundred thousand). */
export const MAX_JSON_ARRAY_ITEMS = 1 << 20;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type ArrayValue = GgufArray | { itemType: GgufValueType; items: GgufValueInput[] };
const isArray = (value: GgufValueInput): value is ArrayValue => typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
const lengthOf = (array: ArrayValue): number => (array instanceof GgufArray ? array.length : array.items.length);
const first = (array: ArrayValue, n: number): GgufValueInput[] => (array instanceof GgufArray ? array.slice(0, n) : array.items.slice(0, n));

function typeName(type: GgufValueType, value: GgufValueInput): string {
  return isArray(value) ? `[${GgufValueType[value.itemType] ?? value.itemType}]` : (GgufValueType[type] ?? String(type));
}

function text(value: GgufValueInput, type: GgufValueType): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('utf8'));
  if (typeof value === 'string') return JSON.stringify(value);
  if (isArray(value)) {
    const shown = first(value, ARRAY_ITEMS_SHOWN).map((item) => text(item, value.itemType));
    return `[${shown.join(', ')}${lengthOf(value) > ARRAY_ITEMS_SHOWN ? ', ...' : ''}]`;
  }
  return type === GgufValueType.FLOAT32 && typeof value === 'number' ? float32Text(value) : String(value);
}

/** The lines of a file's metadata, for the listing. */
export function metadataListing(file: string, format: string, metadata: FileMetadata): string {
  const lines = [`// Metadata of ${printable(file)} (${format}): ${metadata.gguf.length} GGUF key/values, ${metadata.safetensors.size} __metadata__ entries`];
  metadata.gguf.forEach((kv, i) => {
    const count = isArray(kv.value) ? lengthOf(kv.value) : 1;
    lines.push(`//${String(i + 1).padStart(7)}: ${typeName(kv.type, kv.value).padEnd(10)} | ${String(count).padStart(8)} | ${printable(kv.key)} = ${text(kv.value, kv.type)}`);
  });
  for (const [key, value] of metadata.safetensors) lines.push(`//   __metadata__ | ${printable(key)} = ${JSON.stringify(value)}`);
  return `${lines.join('\n')}\n\n`;
}

function jsonValue(value: GgufValueInput, type: GgufValueType): unknown {
  if (value instanceof Uint8Array) {
    try {
      return strictUtf8.decode(value);
    } catch {
      return { hex: Buffer.from(value).toString('hex') };
    }
  }
  if (typeof value === 'bigint') return value.toString();
  if (isArray(value)) {
    const items = first(value, MAX_JSON_ARRAY_ITEMS).map((item) => jsonValue(item, value.itemType));
    const count = lengthOf(value);
    return count > MAX_JSON_ARRAY_ITEMS ? { count, first: items } : items;
  }
  return type === GgufValueType.FLOAT32 && typeof value === 'number' ? Number(float32Text(value)) : value;
}

/** The metadata as one JSON object (64-bit integers as strings, so none loses digits). */
export function metadataJson(file: string, format: string, metadata: FileMetadata): Record<string, unknown> {
  return {
    file,
    format,
    metadata: {
      gguf: metadata.gguf.map((kv) => ({ key: kv.key, type: typeName(kv.type, kv.value), value: jsonValue(kv.value, kv.type) })),
      safetensors: Object.fromEntries(metadata.safetensors),
    },
  };
}
