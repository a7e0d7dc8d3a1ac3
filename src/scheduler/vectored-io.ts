import { FormatError } from '../errors.js';
import type { FileCache } from '../io/inputs/file-cache.js';
import { SCHEDULER_DEFAULTS } from './options.js';
import type { Placement } from './plan.js';
import type { WritableTarget } from './io-scheduler.js';

/** Where source bytes between two wanted ranges land in a vectored read. */
export const DISCARD = Buffer.alloc(SCHEDULER_DEFAULTS.maxGapBytes);
/** What a vectored write puts between two places of one run. */
const ZEROS = Buffer.alloc(SCHEDULER_DEFAULTS.maxGapBytes);
/** Vectored calls take at most IOV_MAX (1024) buffers: runs stay well under, counting gap buffers. */
export const MAX_RUN = 400;

/**
 * Splits items, in the order given, into runs one vectored call can serve:
 * each item joins the run before it while `joins(last, next, run)` holds.
 * The one grouping rule of reads, writes and gathers.
 */
export function runsOf<T>(sorted: T[], joins: (last: T, next: T, run: T[]) => boolean): T[][] {
  const runs: T[][] = [];
  for (const item of sorted) {
    const run = runs.at(-1);
    if (run && run.length < MAX_RUN && joins(run.at(-1)!, item, run)) run.push(item);
    else runs.push([item]);
  }
  return runs;
}

/** A gap that a run may span: after `end`, at most the largest gap, never backwards. */
const spannable = (end: number, next: number) => next >= end && next - end <= SCHEDULER_DEFAULTS.maxGapBytes;

/** Places of one target in target order, in runs whose gaps are small enough to write as zeros. */
export function targetRuns(places: Placement[]): Placement[][] {
  // Zeros go only into a gap no other piece lands in: `last` must be the piece just before `p`.
  return runsOf(
    places.sort((a, b) => a.target - b.target),
    (last, p) => spannable(last.target + last.length, p.target) && p.after === last.target + last.length,
  );
}

/** One run of places written from `bytes`, zeros between them, in one call. */
export function writeRun(target: WritableTarget, run: Placement[], bytes: Uint8Array): Promise<void> {
  const buffers: Uint8Array[] = [];
  let cursor = run[0]!.target;
  for (const p of run) {
    if (p.target > cursor) buffers.push(ZEROS.subarray(0, p.target - cursor));
    buffers.push(bytes.subarray(p.from, p.from + p.length));
    cursor = p.target + p.length;
  }
  return buffers.length === 1 ? target.write(buffers[0]!, run[0]!.target) : target.writev(buffers, run[0]!.target);
}

/** A range of a source file to read into `into`'s place. */
export interface SourceSpan {
  offset: number;
  length: number;
}

/** Ranges of one file, by offset, in runs one read can serve. */
export const sourceRuns = <S extends SourceSpan>(spans: S[]): S[][] =>
  runsOf(
    spans.slice().sort((a, b) => a.offset - b.offset),
    (last, s) => spannable(last.offset + last.length, s.offset),
  );

/** One vectored read for a run; gaps between its ranges land in the discard buffer. */
export async function readRun<S extends SourceSpan>(file: Awaited<ReturnType<FileCache['get']>>, run: S[], place: (s: S) => Uint8Array): Promise<void> {
  const first = run[0]!;
  const last = run.at(-1)!;
  const total = last.offset + last.length - first.offset;
  if (first.offset + total > file.size) {
    const bad = run.find((s) => s.offset + s.length > file.size)!;
    throw new FormatError(file.path, bad.offset, `${bad.length} bytes at this offset run past the end of the file (${file.size} bytes)`);
  }
  const buffers: Uint8Array[] = [];
  let cursor = first.offset;
  for (const s of run) {
    if (s.offset > cursor) buffers.push(DISCARD.subarray(0, s.offset - cursor));
    buffers.push(place(s));
    cursor = s.offset + s.length;
  }
  const read = await file.readv(buffers, first.offset);
  if (read < total) {
    // A short vectored read: finish range by range with exact reads (which name a shrunken file).
    for (const s of run) await file.read(s.offset, s.length, `${s.length} bytes`, place(s));
  }
}
