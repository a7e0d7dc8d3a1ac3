import { alignUp, ByteSpan, ByteWriter } from '../bytes.js';
import {
  ENTRY_ALIGNMENT,
  ENTRY_HEADER_SIZE,
  EntryType,
  MAX_SPLAT_PATTERN,
  MIN_ENTRY_SIZE,
  VALID_PATTERN_LENGTHS,
} from './constants.js';
import type { IrpaHeader, Range } from './header.js';

interface EntryCommon {
  name: string;
  /** Opaque metadata blob, or undefined when the entry has none. */
  metadata: Uint8Array | undefined;
  flags: bigint;
  minimumAlignment: number;
}

export interface SkipEntry extends EntryCommon {
  type: EntryType.Skip;
}
export interface SplatEntry extends EntryCommon {
  type: EntryType.Splat;
  length: number;
  /** 1, 2, 4, 8 or 16 bytes, little-endian. */
  pattern: Uint8Array;
}
export interface DataEntry extends EntryCommon {
  type: EntryType.Data;
  /** Range relative to the storage segment. */
  storage: Range;
}
export interface ExternalEntry extends EntryCommon {
  type: EntryType.External;
  path: string;
  /** Absolute range in the external file. */
  range: Range;
}
export type IrpaEntry = SkipEntry | SplatEntry | DataEntry | ExternalEntry;

const utf8 = new TextDecoder('utf-8');

function readRef(span: ByteSpan, at: number, what: string): Range {
  return { offset: span.u64(at, `${what} offset`), length: span.u64(at + 8, `${what} length`) };
}

function metadataString(table: ByteSpan, at: number, metadata: ByteSpan, what: string): Uint8Array {
  const ref = readRef(table, at, what);
  if (ref.offset + ref.length > metadata.length) {
    table.fail(at, `${what} (offset ${ref.offset}, length ${ref.length}) lies outside the metadata segment of ${metadata.length} bytes`);
  }
  return metadata.bytes.subarray(ref.offset, ref.offset + ref.length);
}

/**
 * Decodes the entry table. `table` spans the entry segment and `metadata` the
 * metadata segment; every reference is checked against its segment.
 */
export function decodeEntries(header: IrpaHeader, table: ByteSpan, metadata: ByteSpan): IrpaEntry[] {
  // Every entry takes at least an entry header, so the count is bounded by the
  // table's size before anything is allocated for it.
  const stride = alignUp(ENTRY_HEADER_SIZE, ENTRY_ALIGNMENT);
  const maxEntries = table.length < ENTRY_HEADER_SIZE ? 0 : Math.floor((table.length - ENTRY_HEADER_SIZE) / stride) + 1;
  if (header.entryCount > maxEntries) {
    table.fail(0, `entry_count ${header.entryCount} is more than an entry segment of ${table.length} bytes can hold`);
  }
  const entries: IrpaEntry[] = [];
  let cursor = 0;
  for (let i = 0; i < header.entryCount; ++i) {
    cursor = alignUp(cursor, ENTRY_ALIGNMENT);
    if (cursor + ENTRY_HEADER_SIZE > table.length) {
      table.fail(cursor, `entry ${i} runs past the end of the entry segment (${table.length} bytes)`);
    }
    const entrySize = table.u64(cursor, 'entry_size');
    const type = table.u32(cursor + 8, 'entry type');
    if (!(type in MIN_ENTRY_SIZE)) {
      table.fail(cursor + 8, `entry ${i} has unknown entry type ${type}`);
    }
    const minSize = MIN_ENTRY_SIZE[type as EntryType];
    if (entrySize < minSize) {
      table.fail(cursor, `entry ${i} entry_size ${entrySize} is below the minimum of ${minSize} for its type`);
    }
    if (cursor + entrySize > table.length) {
      table.fail(cursor, `entry ${i} (entry_size ${entrySize}) runs past the end of the entry segment (${table.length} bytes)`);
    }
    const nameBytes = metadataString(table, cursor + 20, metadata, `entry ${i} name`);
    const metadataRef = readRef(table, cursor + 36, `entry ${i} metadata`);
    const common: EntryCommon = {
      name: utf8.decode(nameBytes),
      metadata: metadataRef.length === 0 ? undefined : metadataString(table, cursor + 36, metadata, `entry ${i} metadata`),
      flags: table.u64big(cursor + 12, 'entry flags'),
      minimumAlignment: table.u64(cursor + 52, 'minimum_alignment'),
    };
    entries.push(decodeTyped(type as EntryType, common, table, cursor, metadata, header, i));
    cursor += entrySize;
  }
  return entries;
}

function decodeTyped(
  type: EntryType,
  common: EntryCommon,
  table: ByteSpan,
  at: number,
  metadata: ByteSpan,
  header: IrpaHeader,
  index: number,
): IrpaEntry {
  switch (type) {
    case EntryType.Skip:
      return { ...common, type };
    case EntryType.Splat: {
      const length = table.u64(at + 60, 'splat length');
      const patternLength = table.u8(at + 84, 'pattern_length');
      if (!VALID_PATTERN_LENGTHS.includes(patternLength)) {
        table.fail(at + 84, `entry ${index} splat pattern_length ${patternLength} is invalid; must be 1, 2, 4, 8 or 16`);
      }
      if (length % patternLength !== 0) {
        table.fail(at + 60, `entry ${index} splat length ${length} is not a multiple of its ${patternLength}-byte pattern`);
      }
      const pattern = table.slice(at + 68, patternLength, 'splat pattern').slice();
      return { ...common, type, length, pattern };
    }
    case EntryType.Data: {
      const storage = readRef(table, at + 60, `entry ${index} storage`);
      if (storage.offset + storage.length > header.storageSegment.length) {
        table.fail(
          at + 60,
          `entry ${index} storage (offset ${storage.offset}, length ${storage.length}) lies outside the storage segment of ${header.storageSegment.length} bytes`,
        );
      }
      return { ...common, type, storage };
    }
    case EntryType.External: {
      const path = utf8.decode(metadataString(table, at + 60, metadata, `entry ${index} path`));
      const range = readRef(table, at + 76, `entry ${index} external range`);
      return { ...common, type, path, range };
    }
  }
}

/** Bytes an entry takes in the table, without trailing padding. */
export function entrySize(type: EntryType): number {
  return MIN_ENTRY_SIZE[type];
}

/** Where an entry's strings sit in the metadata segment. */
export interface EntryRefs {
  name: Range;
  metadata: Range;
  path?: Range;
}

/** Encodes one entry at `at` in the table; `storage` is the data entry's storage range. */
export function encodeEntry(w: ByteWriter, at: number, entry: IrpaEntry, refs: EntryRefs): void {
  w.u64(at, entrySize(entry.type));
  w.u32(at + 8, entry.type);
  // The table is written into zeroed memory: a zero flags field (nearly always) needs no BigInt write.
  if (entry.flags !== 0n) w.u64(at + 12, entry.flags);
  w.u64(at + 20, refs.name.offset);
  w.u64(at + 28, refs.name.length);
  w.u64(at + 36, refs.metadata.offset);
  w.u64(at + 44, refs.metadata.length);
  w.u64(at + 52, entry.minimumAlignment);
  switch (entry.type) {
    case EntryType.Skip:
      break;
    case EntryType.Splat: {
      w.u64(at + 60, entry.length);
      const pattern = new Uint8Array(MAX_SPLAT_PATTERN);
      pattern.set(entry.pattern);
      w.bytesAt(at + 68, pattern);
      w.u8(at + 84, entry.pattern.length);
      break;
    }
    case EntryType.Data:
      w.u64(at + 60, entry.storage.offset);
      w.u64(at + 68, entry.storage.length);
      break;
    case EntryType.External:
      w.u64(at + 60, refs.path?.offset ?? 0);
      w.u64(at + 68, refs.path?.length ?? 0);
      w.u64(at + 76, entry.range.offset);
      w.u64(at + 84, entry.range.length);
      break;
  }
}
