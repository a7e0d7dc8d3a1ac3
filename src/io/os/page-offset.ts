import { libcFunction } from './libc.js';

export const PAGE_BYTES = 4096;

/** `n` modulo the page size, in [0, PAGE_BYTES) for negative `n` too. */
export const pageResidue = (n: number): number => ((n % PAGE_BYTES) + PAGE_BYTES) % PAGE_BYTES;

type Identity = (bytes: Uint8Array, value: number, length: number) => number | bigint;
let memset: Identity | null | undefined;

/**
 * Where `bytes` begins within a memory page (its address modulo 4096), or
 * undefined where that cannot be learnt (not Linux, no koffi). JavaScript
 * cannot ask for an address; libc's memset returns the pointer it is given,
 * so a memset of no bytes reveals it without touching any.
 */
export function pageOffsetOf(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0) return undefined;
  memset ??= libcFunction('uintptr_t memset(void *s, int c, size_t n)') as unknown as Identity | null;
  if (!memset) return undefined;
  try {
    return Number(BigInt(memset(bytes, 0, 0)) % BigInt(PAGE_BYTES));
  } catch {
    return undefined;
  }
}

/**
 * A read or write copies between the page cache and a buffer with the CPU's
 * string-move instruction, which runs 3 to 5 times slower when the
 * destination lies 1 to 31 bytes past the source modulo a 4 KiB page.
 * Measured on AMD EPYC: 2 GiB read from the page cache into a buffer in
 * 0.25 s, or 0.9 s with the buffer 16 bytes off. Page-aligned archives read
 * into a malloc'd buffer (which starts 16 bytes into a page) hit it on every
 * byte. The shift between a piece's place in its target and in its source is
 * fixed; where a buffer starts is not, so the copiers pick it
 * (PlaceableBuffer; scheduler/copy-alignment.ts).
 */
export const SLOW_SHIFT_BYTES = 32;

/** Whether a copy whose destination is `shift` bytes past its source, modulo a page, is the slow kind. */
export function isSlowShift(shift: number): boolean {
  const within = pageResidue(shift);
  return within > 0 && within < SLOW_SHIFT_BYTES;
}
