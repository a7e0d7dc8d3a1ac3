import { isSlowShift, SLOW_SHIFT_BYTES } from '../io/os/page-offset.js';
import type { ReadJob } from './plan.js';

/**
 * How far (0 or SLOW_SHIFT_BYTES; see io/os/page-offset.ts) to move a buffer
 * from where one copy aligns it, so that fewer bytes take a slow copy.
 * `shift(p)` is how far piece p's other copy puts its destination past its
 * source with the buffer where the aligned copy wants it; moving the buffer
 * adds the nudge to every such shift, and leaves the aligned copy clear of
 * the window.
 */
export function alignmentNudge<P extends { length: number }>(pieces: readonly P[], shift: (piece: P) => number): number {
  let slow = 0;
  let slowNudged = 0;
  for (const p of pieces) {
    const s = shift(p);
    if (isSlowShift(s)) slow += p.length;
    if (isSlowShift(s + SLOW_SHIFT_BYTES)) slowNudged += p.length;
  }
  return slowNudged < slow ? SLOW_SHIFT_BYTES : 0;
}

/**
 * A read job's nudge. Laid out, its buffer lines up with the target (the
 * write moves whole pages) and each piece's read keeps the piece's shift,
 * target − source; read whole, the buffer lines up with the source and each
 * piece's write keeps the same shift.
 */
export function readJobNudge(job: ReadJob): number {
  return alignmentNudge(job.places, (p) => p.target - (job.offset + p.from));
}
