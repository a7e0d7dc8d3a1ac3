import { UsageError } from './errors.js';

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
 * `asked` is how the size was given (`--io-budget=64XB`, a job file's
 * line and key), which the error begins with.
 */
export function parseByteSize(text: string, asked: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${asked}: expected a size such as 4096, 64KiB, 500MB or 2GiB`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`${asked}: out of range`);
  return bytes;
}
