import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/**
 * `4096`, `64KiB`, `500MB`, `2GiB`, `1.5G`. K, M, G and T, alone or with B,
 * are powers of 1000, as llama-gguf-split's `--split-max-size` and Hugging
 * Face's `max_shard_size` read them; KiB, MiB, GiB and TiB powers of 1024.
 */
export function parseByteSize(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`--${flag}=${text}: expected a size such as 4096, 64KiB, 500MB or 2GiB`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`--${flag}=${text}: out of range`);
  return bytes;
}

/** What one buffered read or write may hold: from a page to 1 GiB (a Node buffer holds at most 4 GiB, and the budget holds several). */
export const CHUNK_BYTES_RANGE = { min: 4096, max: 2 ** 30 } as const;

/** A chunk size in bytes, within CHUNK_BYTES_RANGE; `named` is how the message names where it came from. */
export function checkChunkBytes(named: string, bytes: number): number {
  if (bytes < CHUNK_BYTES_RANGE.min || bytes > CHUNK_BYTES_RANGE.max) throw new UsageError(`${named}: must be 4KiB to 1GiB`);
  return bytes;
}
