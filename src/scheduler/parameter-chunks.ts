import type { FileCache } from '../io/file-cache.js';
import { CHUNK_BYTES, fillWithPattern } from '../io/parameter-bytes.js';
import { compute, inPlace, inputBytes, unitsWithin } from '../kernels/kernel.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import type { IoScheduler } from './io-scheduler.js';

/**
 * A parameter's bytes in order, as views into one reused buffer: each chunk is
 * valid only until the next is asked for. Memory stays at one buffer however
 * long the parameter (two for a kernel whose output differs in length).
 * Computed bytes are computed. Reads go through the scheduler, as every
 * byte that leaves a file does.
 */
export async function* parameterChunks(p: Parameter, files: FileCache, scheduler: IoScheduler, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
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
  const kernel = p.storage.kind === 'computed' ? p.storage.kernel : undefined;
  const step = Math.min(p.length, kernel ? unitsWithin(kernel, chunkBytes) * kernel.outputUnit : chunkBytes);
  const input = new Uint8Array(kernel ? inputBytes(kernel, step) : step);
  const output = kernel && !inPlace(kernel) ? new Uint8Array(step) : undefined;
  for (let done = 0; done < p.length; done += step) {
    const n = Math.min(step, p.length - done);
    const read = kernel ? inputBytes(kernel, n) : n;
    const chunk = input.subarray(0, read);
    await scheduler.gather([{ path: range.path, offset: range.offset + (kernel ? inputBytes(kernel, done) : done), length: read, into: 0 }], chunk, files);
    yield kernel ? compute(kernel, chunk, output) : chunk;
  }
}
