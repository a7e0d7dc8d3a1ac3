import { PAGE_BYTES } from '../io/page-offset.js';
import type { ReadJob } from './plan.js';

/**
 * A read or write copies between the page cache and a buffer with the CPU's
 * string-move instruction, which runs 3 to 5 times slower when the
 * destination lies 1 to 31 bytes past the source modulo a 4 KiB page.
 * Measured on AMD EPYC: 2 GiB read from the page cache into a buffer in
 * 0.25 s, or 0.9 s with the buffer 16 bytes off. Page-aligned archives read
 * into a malloc'd buffer (which starts 16 bytes into a page) hit it on every
 * byte. The shift between a piece's place in its target and in its source is
 * fixed; where a buffer starts is not, so the scheduler picks it.
 */
export const SLOW_SHIFT_BYTES = 32;

/** Whether a copy whose destination is `shift` bytes past its source, modulo a page, is the slow kind. */
export function isSlowShift(shift: number): boolean {
  const within = ((shift % PAGE_BYTES) + PAGE_BYTES) % PAGE_BYTES;
  return within > 0 && within < SLOW_SHIFT_BYTES;
}

/**
 * How far (0 or SLOW_SHIFT_BYTES) to move a buffer from where one copy
 * aligns it, so that fewer bytes take a slow copy. `shift(p)` is how far
 * piece p's other copy puts its destination past its source with the buffer
 * where the aligned copy wants it; moving the buffer adds the nudge to every
 * such shift, and leaves the aligned copy clear of the window.
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
