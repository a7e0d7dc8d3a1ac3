import { libcFunction } from './libc.js';

export const PAGE_BYTES = 4096;

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
