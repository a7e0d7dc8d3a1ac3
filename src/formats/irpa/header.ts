import { ByteSpan, ByteWriter } from '../bytes.js';
import { settleWideShape } from '../wide-shapes.js';
import { HEADER_SIZE, IRPA_MAGIC } from './constants.js';

/** A (offset, length) pair; offsets are relative to the archive header. */
export interface Range {
  offset: number;
  length: number;
}

// Entry tables hold several ranges per parameter; see wide-shapes.ts.
settleWideShape({ offset: 2 ** 40, length: 2 ** 40 });

export interface IrpaHeader {
  versionMajor: number;
  versionMinor: number;
  /** Offset from this header to the next archive header, or 0 (kept as bigint: a u64 that may wrap). */
  nextHeaderOffset: bigint;
  flags: bigint;
  entryCount: number;
  entrySegment: Range;
  metadataSegment: Range;
  storageSegment: Range;
}

const hex = (value: number) => value.toString(16).padStart(8, '0');

/** Decodes and validates the 88-byte v0 header in `span` (which starts at the header). */
export function decodeHeader(span: ByteSpan): IrpaHeader {
  if (span.length < HEADER_SIZE) {
    span.fail(0, `truncated IRPA header: needs ${HEADER_SIZE} bytes, only ${span.length} available`);
  }
  const magic = span.u32(0, 'magic');
  if (magic !== IRPA_MAGIC) {
    span.fail(0, `not an IRPA archive: magic ${hex(magic)}, expected ${hex(IRPA_MAGIC)} ("IRPA")`);
  }
  const versionMajor = span.u16(4, 'version_major');
  const versionMinor = span.u16(6, 'version_minor');
  if (versionMajor !== 0) {
    span.fail(4, `unsupported IRPA version ${versionMajor}.${versionMinor} (this reader knows 0.x)`);
  }
  const headerSize = span.u64big(8, 'header_size');
  if (headerSize !== BigInt(HEADER_SIZE)) {
    span.fail(8, `header_size is ${headerSize}, expected ${HEADER_SIZE} for version 0`);
  }
  return {
    versionMajor,
    versionMinor,
    nextHeaderOffset: span.u64big(16, 'next_header_offset'),
    flags: span.u64big(24, 'flags'),
    entryCount: span.u64(32, 'entry_count'),
    entrySegment: { offset: span.u64(40, 'entry segment offset'), length: span.u64(48, 'entry segment length') },
    metadataSegment: { offset: span.u64(56, 'metadata segment offset'), length: span.u64(64, 'metadata segment length') },
    storageSegment: { offset: span.u64(72, 'storage segment offset'), length: span.u64(80, 'storage segment length') },
  };
}

export function encodeHeader(header: IrpaHeader, out: Uint8Array): void {
  const w = new ByteWriter(out);
  w.u32(0, IRPA_MAGIC);
  w.u16(4, header.versionMajor);
  w.u16(6, header.versionMinor);
  w.u64(8, HEADER_SIZE);
  w.u64(16, header.nextHeaderOffset);
  w.u64(24, header.flags);
  w.u64(32, header.entryCount);
  w.u64(40, header.entrySegment.offset);
  w.u64(48, header.entrySegment.length);
  w.u64(56, header.metadataSegment.offset);
  w.u64(64, header.metadataSegment.length);
  w.u64(72, header.storageSegment.offset);
  w.u64(80, header.storageSegment.length);
}
