import { compute, inPlace, inputBytes, unitsWithin } from '../kernels/kernel.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import type { FileCache } from './file-cache.js';

/** Default size of the one buffer a byte stream reuses. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Fills `buffer` with `pattern` repeated, from the pattern's first byte. */
export function fillWithPattern(buffer: Uint8Array, pattern: Uint8Array): Uint8Array {
  if (pattern.every((b) => b === 0)) return buffer.fill(0);
  buffer.set(pattern.subarray(0, buffer.length));
  // Doubling copies: log2(n) calls instead of n.
  for (let filled = Math.min(pattern.length, buffer.length); filled < buffer.length; filled *= 2) {
    buffer.copyWithin(filled, 0, Math.min(filled, buffer.length - filled));
  }
  return buffer;
}

/**
 * A parameter's bytes in order, as views into one reused buffer: each chunk is
 * valid only until the next is asked for. Memory stays at one buffer however
 * long the parameter (two for a kernel whose output differs in length).
 * Computed bytes are computed.
 */
export async function* parameterChunks(p: Parameter, files: FileCache, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  if (p.length === 0) return;
  const pattern = fillPattern(p);
  if (pattern) {
    // A chunk size that is a multiple of the pattern keeps every chunk in phase.
    const size = Math.min(p.length, Math.max(pattern.length, chunkBytes - (chunkBytes % pattern.length)));
    const buffer = fillWithPattern(new Uint8Array(size), pattern);
    for (let done = 0; done < p.length; done += size) yield buffer.subarray(0, Math.min(size, p.length - done));
    return;
  }
  const range = fileRange(p)!;
  const file = await files.get(range.path);
  const kernel = p.storage.kind === 'computed' ? p.storage.kernel : undefined;
  const step = Math.min(p.length, kernel ? unitsWithin(kernel, chunkBytes) * kernel.outputUnit : chunkBytes);
  const input = new Uint8Array(kernel ? inputBytes(kernel, step) : step);
  const output = kernel && !inPlace(kernel) ? new Uint8Array(step) : undefined;
  for (let done = 0; done < p.length; done += step) {
    const n = Math.min(step, p.length - done);
    const read = kernel ? inputBytes(kernel, n) : n;
    const chunk = await file.read(range.offset + (kernel ? inputBytes(kernel, done) : done), read, `parameter '${p.key}'`, input);
    yield kernel ? compute(kernel, chunk, output) : chunk;
  }
}
