import type { ReadJob } from './plan.js';

/** A read that lands its bytes in a buffer as they will lie in the target, padding zeroed: one plain write then stores them. */
export interface LaidOutRead {
  /** Vectored-read buffers, in source order: views of the layout, and `discard` for source bytes no place needs. */
  reads: Uint8Array[];
  /** The target file and the offset where the layout starts. */
  file: number;
  target: number;
  /** Bytes of the layout, padding included. */
  span: number;
}

/**
 * Lays out a read job whose places go, in source order, one after another
 * into one target, with gaps that no other piece lands in (the padding an
 * archive puts between parameters). The kernel then scatters the bytes while
 * it copies them anyway, and the write takes one buffer instead of one per
 * parameter and one per gap: with 100,000 small parameters that is most of
 * the work left to this thread. Undefined when the job is of another shape,
 * or the layout does not fit `buffer`; it is then written place by place.
 */
export function layOutRead(job: ReadJob, buffer: Uint8Array, discard: Uint8Array, maxGapBytes: number): LaidOutRead | undefined {
  const { places } = job;
  const first = places[0];
  if (first === undefined) return undefined;
  const reads: Uint8Array[] = [];
  let sourceEnd = 0;
  let targetEnd = first.target;
  for (const p of places) {
    const targetGap = p.target - targetEnd;
    const sourceGap = p.from - sourceEnd;
    // Zeros go only into a gap that ends where this place's predecessor in the target ends.
    const follows = p === first || (p.after === targetEnd && targetGap <= maxGapBytes);
    if (p.file !== first.file || !follows || targetGap < 0 || sourceGap < 0 || sourceGap > discard.length) return undefined;
    const at = p.target - first.target;
    if (at + p.length > buffer.length) return undefined;
    buffer.fill(0, targetEnd - first.target, at);
    if (sourceGap > 0) reads.push(discard.subarray(0, sourceGap));
    reads.push(buffer.subarray(at, at + p.length));
    sourceEnd = p.from + p.length;
    targetEnd = p.target + p.length;
  }
  return { reads, file: first.file, target: first.target, span: targetEnd - first.target };
}
