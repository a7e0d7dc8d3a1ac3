import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { decodeMetadataBlob, METADATA_ENTRY, noMetadata, type FileMetadata } from '../formats/file-metadata.js';
import { ByteSpan } from '../formats/bytes.js';
import {
  EntryType,
  HEADER_ALIGNMENT,
  HEADER_SIZE,
  MAX_CHAINED_ARCHIVES,
  MAX_ENTRY_SEGMENT_BYTES,
  MAX_METADATA_SEGMENT_BYTES,
} from '../formats/irpa/constants.js';
import { decodeEntries, type IrpaEntry } from '../formats/irpa/entries.js';
import { decodeHeader, type IrpaHeader, type Range } from '../formats/irpa/header.js';
import { FormatError } from '../errors.js';
import { isWithin } from '../io/inputs/path-within.js';
import type { ReadableFile } from '../io/inputs/readable-file.js';
import { decodeTensorMetadata } from '../formats/tensor-metadata.js';
import type { Parameter } from '../model/parameter.js';

/** One archive of a file; a file may chain several through next_header_offset. */
export interface IrpaArchive {
  headerOffset: number;
  header: IrpaHeader;
  entries: IrpaEntry[];
}

const U64 = 1n << 64n;

/**
 * Reads every archive header, entry table and metadata segment of an IRPA
 * file (never its storage), following next_header_offset chains. Each
 * archive's offsets are relative to its own header.
 */
export async function readIrpaArchives(file: ReadableFile): Promise<IrpaArchive[]> {
  const archives: IrpaArchive[] = [];
  const visited = new Set<number>();
  let headerOffset = 0;
  for (;;) {
    visited.add(headerOffset);
    const archive = await readArchiveAt(file, headerOffset);
    archives.push(archive);
    const next = archive.header.nextHeaderOffset;
    if (next === 0n) return archives;
    // The offset is a u64 relative to this header; C readers wrap around, so
    // a chain can point backwards. Compute where it lands the same way.
    const landing = (BigInt(headerOffset) + next) % U64;
    const field = headerOffset + 16;
    if (landing + BigInt(HEADER_SIZE) > BigInt(file.size)) {
      throw new FormatError(file.path, field, `next_header_offset ${next} leads to offset ${landing}, past the end of the file (${file.size} bytes)`);
    }
    const nextOffset = Number(landing);
    if (visited.has(nextOffset)) {
      throw new FormatError(file.path, field, `next_header_offset ${next} loops back to the archive header at offset ${nextOffset}`);
    }
    if (nextOffset % HEADER_ALIGNMENT !== 0) {
      throw new FormatError(file.path, field, `next_header_offset ${next} leads to offset ${nextOffset}, which is not ${HEADER_ALIGNMENT}-byte aligned`);
    }
    if (archives.length >= MAX_CHAINED_ARCHIVES) {
      throw new FormatError(file.path, field, `more than ${MAX_CHAINED_ARCHIVES} chained archives`);
    }
    headerOffset = nextOffset;
  }
}

async function readArchiveAt(file: ReadableFile, headerOffset: number): Promise<IrpaArchive> {
  const available = (await file.available(headerOffset + HEADER_SIZE)) - headerOffset;
  const headerBytes = await file.read(headerOffset, available, 'IRPA header');
  const header = decodeHeader(new ByteSpan(headerBytes, file.path, headerOffset));
  checkSegment(file, headerOffset, header.entrySegment, 40, 'entry segment', MAX_ENTRY_SEGMENT_BYTES);
  checkSegment(file, headerOffset, header.metadataSegment, 56, 'metadata segment', MAX_METADATA_SEGMENT_BYTES);
  checkSegment(file, headerOffset, header.storageSegment, 72, 'storage segment', Number.MAX_SAFE_INTEGER);
  const tableAt = headerOffset + header.entrySegment.offset;
  const metadataAt = headerOffset + header.metadataSegment.offset;
  const table = await file.read(tableAt, header.entrySegment.length, 'entry segment');
  const metadata = await file.read(metadataAt, header.metadataSegment.length, 'metadata segment');
  const entries = decodeEntries(header, new ByteSpan(table, file.path, tableAt), new ByteSpan(metadata, file.path, metadataAt));
  return { headerOffset, header, entries };
}

function checkSegment(file: ReadableFile, headerOffset: number, segment: Range, field: number, what: string, cap: number): void {
  if (segment.length === 0) return;
  const start = headerOffset + segment.offset;
  if (start + segment.length > file.size) {
    throw new FormatError(
      file.path,
      headerOffset + field,
      `${what} (offset ${segment.offset}, length ${segment.length}) runs past the end of the file (${file.size} bytes)`,
    );
  }
  if (segment.length > cap) {
    throw new FormatError(file.path, headerOffset + field, `${what} of ${segment.length} bytes is larger than the ${cap}-byte limit`);
  }
}

/**
 * Refuses external entries that a symbolic link leads out of the archive's
 * directory: the names are checked as written when the table is read, the
 * files they reach here, by their real paths. (A link swapped in between
 * this check and the read is not caught.)
 */
export async function confineExternals(parameters: Parameter[], archive: string): Promise<Parameter[]> {
  const externals = parameters.filter((p) => p.storage.kind === 'external' && p.storage.refused === undefined);
  if (externals.length === 0) return parameters;
  const root = await realpath(dirname(resolve(archive))).catch(() => dirname(resolve(archive)));
  const real = new Map<string, string | undefined>();
  for (const p of externals) {
    const { path } = p.storage as { path: string };
    if (!real.has(path)) real.set(path, await realpath(path).catch(() => undefined));
  }
  return parameters.map((p) => {
    if (p.storage.kind !== 'external' || p.storage.refused !== undefined) return p;
    const target = real.get(p.storage.path);
    // A file that is not there fails when read, naming it.
    if (target === undefined || isWithin(root, target)) return p;
    return { ...p, storage: { ...p.storage, refused: `${relative(dirname(resolve(archive)), p.storage.path)} -> ${target}` } };
  });
}

/** The file metadata a paramflow-written archive keeps in its metadata entry (a skip entry), if it has one. */
export function irpaFileMetadata(archives: IrpaArchive[]): FileMetadata {
  for (const { entries } of archives) {
    for (const entry of entries) {
      const metadata = entry.type === EntryType.Skip && entry.name === METADATA_ENTRY ? decodeMetadataBlob(entry.metadata) : undefined;
      if (metadata) return metadata;
    }
  }
  return noMetadata();
}

/** The parameters of decoded archives, in file order; skip entries are dropped. */
export function irpaParameters(path: string, archives: IrpaArchive[], scope = ''): Parameter[] {
  const parameters: Parameter[] = [];
  for (const { headerOffset, header, entries } of archives) {
    for (const entry of entries) {
      const length = entry.type === EntryType.Splat ? entry.length : entry.type === EntryType.Data ? entry.storage.length : entry.type === EntryType.External ? entry.range.length : 0;
      const tensor = decodeTensorMetadata(entry.metadata, length);
      const common = { scope, key: entry.name, metadata: entry.metadata, alignment: entry.minimumAlignment, origin: path, ...(tensor ? { tensor } : {}) };
      switch (entry.type) {
        case EntryType.Skip:
          break;
        case EntryType.Splat:
          parameters.push({ ...common, length: entry.length, storage: { kind: 'splat', pattern: entry.pattern } });
          break;
        case EntryType.Data: {
          // An empty parameter has no bytes anywhere; IREE places it at 0.
          const offset = entry.storage.length === 0 ? 0 : headerOffset + header.storageSegment.offset + entry.storage.offset;
          parameters.push({ ...common, length: entry.storage.length, storage: { kind: 'data', source: { kind: 'file', path, offset } } });
          break;
        }
        case EntryType.External: {
          const resolved = resolve(dirname(path), entry.path);
          // A hostile archive must not make paramflow read /etc/shadow: only files in or below its own directory.
          const outside = isAbsolute(entry.path) || !isWithin(dirname(resolve(path)), resolved);
          parameters.push({
            ...common,
            length: entry.range.length,
            storage: { kind: 'external', path: resolved, offset: entry.range.offset, ...(outside ? { refused: entry.path } : {}) },
          });
          break;
        }
      }
    }
  }
  return parameters;
}
