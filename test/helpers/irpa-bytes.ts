import { ByteWriter } from '../../src/formats/bytes.js';
import { EntryType } from '../../src/formats/irpa/constants.js';
import { encodeArchivePrefix, planArchive, type EntrySpec } from '../../src/formats/irpa/layout.js';

/** An entry to encode, with the payload of a data entry. */
export interface TestEntry {
  spec: EntrySpec;
  payload?: Uint8Array;
}

/** One complete archive in memory: prefix, payloads in storage, padding. */
export function archiveBytes(entries: TestEntry[]): Uint8Array {
  const layout = planArchive(entries.map((e) => e.spec));
  const bytes = new Uint8Array(layout.totalSize);
  bytes.set(encodeArchivePrefix(layout));
  layout.entries.forEach((entry, i) => {
    if (entry.type === EntryType.Data) {
      bytes.set(entries[i]!.payload ?? new Uint8Array(entry.storage.length), layout.header.storageSegment.offset + entry.storage.offset);
    }
  });
  return bytes;
}

/** Several archives in one file, each header linked to the next. */
export function chainBytes(archives: TestEntry[][]): { bytes: Uint8Array; headerOffsets: number[] } {
  const parts = archives.map(archiveBytes);
  const headerOffsets: number[] = [];
  let size = 0;
  for (const part of parts) {
    headerOffsets.push(size);
    size += part.length;
  }
  const bytes = new Uint8Array(size);
  const w = new ByteWriter(bytes);
  parts.forEach((part, i) => {
    bytes.set(part, headerOffsets[i]!);
    if (i + 1 < parts.length) w.u64(headerOffsets[i]! + 16, headerOffsets[i + 1]! - headerOffsets[i]!);
  });
  return { bytes, headerOffsets };
}

/** A small deterministic PRNG (mulberry32), so generated cases repeat. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
