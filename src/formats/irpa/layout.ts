import { alignUp, ByteWriter } from '../bytes.js';
import {
  DEFAULT_DATA_ALIGNMENT,
  DEFAULT_FILE_ALIGNMENT,
  ENTRY_ALIGNMENT,
  EntryType,
  HEADER_SIZE,
} from './constants.js';
import { encodeEntry, entrySize, type EntryRefs, type IrpaEntry } from './entries.js';
import { encodeHeader, type IrpaHeader, type Range } from './header.js';

interface SpecCommon {
  name: string;
  metadata?: Uint8Array | undefined;
  flags?: bigint;
}
export type EntrySpec =
  | (SpecCommon & { type: EntryType.Splat; length: number; pattern: Uint8Array })
  | (SpecCommon & {
      type: EntryType.Data;
      length: number;
      /** Where to place the bytes in storage (a power of two). */
      alignment: number;
      /** What the entry records as minimum_alignment; IREE's builder always records 64. */
      recordedAlignment?: number;
    })
  | (SpecCommon & { type: EntryType.External; path: string; range: Range })
  | (SpecCommon & { type: EntryType.Skip });

/** The reference of an absent part (most entries have no metadata): one shared, never changed. */
const NO_BYTES: Readonly<Range> = { offset: 0, length: 0 };

export interface ArchiveLayout {
  header: IrpaHeader;
  entries: IrpaEntry[];
  refs: EntryRefs[];
  /** Offset of each entry in the entry segment. */
  entryOffsets: number[];
  /** Each entry's name, metadata and path, in metadata segment order (strings are written as UTF-8). */
  metadataParts: (string | Uint8Array)[];
  /** Archive size, padded to the file alignment. */
  totalSize: number;
}


/**
 * Lays out an archive the way IREE's builder does: the entry table at 96 (the
 * header rounded to 16), each entry on a 16-byte boundary, the table's length
 * without the last entry's padding; the metadata segment right after it
 * (name then metadata, per entry, in order); the storage segment aligned to
 * the data entries' alignment, each data entry at the next multiple of its
 * alignment; the whole padded to `fileAlignment`.
 */
export function planArchive(specs: EntrySpec[], fileAlignment = DEFAULT_FILE_ALIGNMENT): ArchiveLayout {
  const entries: IrpaEntry[] = [];
  const refs: EntryRefs[] = [];
  const entryOffsets: number[] = [];
  const metadataParts: (string | Uint8Array)[] = [];
  let tableSize = 0;
  let metadataSize = 0;
  let storageSize = 0;
  let storageAlignment = 0;

  // Strings stay strings until encoding: an archive of 100,000 names would
  // otherwise make 100,000 small byte arrays.
  const reserve = (part: string | Uint8Array | undefined): Range => {
    const length = typeof part === 'string' ? Buffer.byteLength(part) : (part?.length ?? 0);
    if (length === 0) return NO_BYTES;
    metadataParts.push(part!);
    const range = { offset: metadataSize, length };
    metadataSize += length;
    return range;
  };

  for (const spec of specs) {
    const at = alignUp(tableSize, ENTRY_ALIGNMENT);
    entryOffsets.push(at);
    tableSize = at + entrySize(spec.type);
    // A name always has a reference into the segment, even when empty.
    const name = spec.name === '' ? { offset: metadataSize, length: 0 } : reserve(spec.name);
    const entryRefs: EntryRefs = { name, metadata: reserve(spec.metadata) };
    const metadata = spec.metadata && spec.metadata.length > 0 ? spec.metadata : undefined;
    const flags = spec.flags ?? 0n;
    switch (spec.type) {
      case EntryType.Splat:
        entries.push({ type: spec.type, name: spec.name, metadata, flags, minimumAlignment: 0, length: spec.length, pattern: spec.pattern });
        break;
      case EntryType.Data: {
        const offset = alignUp(storageSize, spec.alignment);
        storageSize = offset + spec.length;
        // IREE aligns the segment to the first data entry's alignment; the
        // largest is the same for its archives and right when they differ.
        storageAlignment = Math.max(storageAlignment, spec.alignment);
        const minimumAlignment = spec.recordedAlignment ?? DEFAULT_DATA_ALIGNMENT;
        entries.push({ type: spec.type, name: spec.name, metadata, flags, minimumAlignment, storage: { offset, length: spec.length } });
        break;
      }
      case EntryType.External:
        entryRefs.path = reserve(spec.path);
        entries.push({ type: spec.type, name: spec.name, metadata, flags, minimumAlignment: 0, path: spec.path, range: spec.range });
        break;
      case EntryType.Skip:
        entries.push({ type: spec.type, name: spec.name, metadata, flags, minimumAlignment: 0 });
        break;
    }
    refs.push(entryRefs);
  }

  const entrySegment = { offset: alignUp(HEADER_SIZE, ENTRY_ALIGNMENT), length: tableSize };
  const metadataSegment = { offset: entrySegment.offset + tableSize, length: metadataSize };
  const storageSegment = {
    offset: alignUp(metadataSegment.offset + metadataSize, storageAlignment || 1),
    length: storageSize,
  };
  const header: IrpaHeader = {
    versionMajor: 0,
    versionMinor: 0,
    nextHeaderOffset: 0n,
    flags: 0n,
    entryCount: entries.length,
    entrySegment,
    metadataSegment,
    storageSegment,
  };
  return {
    header,
    entries,
    refs,
    entryOffsets,
    metadataParts,
    totalSize: alignUp(storageSegment.offset + storageSize, fileAlignment),
  };
}

/** Encodes header, entry table and metadata segment: every byte before the storage segment. */
export function encodeArchivePrefix(layout: ArchiveLayout): Uint8Array {
  const { header } = layout;
  // The padding up to the storage segment is zeros the sized file already holds: a large alignment costs no memory.
  const out = Buffer.alloc(header.metadataSegment.offset + header.metadataSegment.length);
  encodeHeader(header, out);
  const w = new ByteWriter(out);
  layout.entries.forEach((entry, i) => {
    encodeEntry(w, header.entrySegment.offset + layout.entryOffsets[i]!, entry, layout.refs[i]!);
  });
  let at = header.metadataSegment.offset;
  for (const part of layout.metadataParts) {
    if (typeof part === 'string') at += out.write(part, at, 'utf8');
    else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}
