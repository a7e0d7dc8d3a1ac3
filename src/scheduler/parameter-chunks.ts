import type { FileCache } from '../io/inputs/file-cache.js';
import { CHUNK_BYTES, fillWithPattern } from '../model/fill-pattern.js';
import { compute, inPlace, inputBytes, unitsWithin } from '../kernels/kernel.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import type { IoScheduler } from './io-scheduler.js';
import type { PieceSource } from './plan.js';

/** Where a parameter's bytes come from as it stores them (a big-endian payload as it is). */
export function storedPieceSource(p: Parameter): PieceSource {
  if (p.storage.kind === 'computed') {
    const { source, kernel } = p.storage;
    return { kind: 'computed', path: source.path, offset: source.offset, kernel };
  }
  return fileRange(p) ?? { kind: 'fill', pattern: fillPattern(p)! };
}

export interface ChunkOptions {
  /** The most bytes in one chunk (default 8 MiB). */
  chunkBytes?: number;
  /** Each chunk a buffer of its own, for a consumer that may hold it (a stream); else one buffer reused. */
  fresh?: boolean;
}

/**
 * `length` bytes of a source in order, in chunks: a fill's pattern, a file
 * range read through the scheduler, or a kernel's output computed from
 * whole units of its input. Reused chunks are valid only until the next is
 * asked for: memory stays at one buffer (two for a kernel whose output
 * differs in length) however long the range.
 */
export async function* sourceChunks(source: PieceSource, length: number, files: FileCache, scheduler: IoScheduler, options: ChunkOptions = {}): AsyncGenerator<Uint8Array> {
  if (length === 0) return;
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const buffer = (n: number, reused: Uint8Array | undefined) => (options.fresh || !reused ? new Uint8Array(n) : reused.subarray(0, n));
  if (source.kind === 'fill') {
    // A chunk size that is a multiple of the pattern keeps every chunk in phase.
    const { pattern } = source;
    const size = Math.min(length, Math.max(pattern.length, chunkBytes - (chunkBytes % pattern.length)));
    const reused = options.fresh ? undefined : fillWithPattern(new Uint8Array(size), pattern);
    for (let done = 0; done < length; done += size) {
      const n = Math.min(size, length - done);
      yield reused ? reused.subarray(0, n) : fillWithPattern(new Uint8Array(n), pattern);
    }
    return;
  }
  const kernel = source.kind === 'computed' ? source.kernel : undefined;
  // A computed range is read in whole units of its kernel.
  const step = Math.min(length, kernel ? unitsWithin(kernel, chunkBytes) * kernel.outputUnit : chunkBytes);
  const input = options.fresh ? undefined : new Uint8Array(kernel ? inputBytes(kernel, step) : step);
  const output = kernel && !inPlace(kernel) && !options.fresh ? new Uint8Array(step) : undefined;
  for (let done = 0; done < length; done += step) {
    const n = Math.min(step, length - done);
    const chunk = buffer(kernel ? inputBytes(kernel, n) : n, input);
    await scheduler.gather([{ path: source.path, offset: source.offset + (kernel ? inputBytes(kernel, done) : done), length: chunk.length, into: 0 }], chunk, files);
    yield kernel ? compute(kernel, chunk, output) : chunk;
  }
}

/** A parameter's bytes in order, as it stores them or as its kernel computes them (see sourceChunks). */
export function parameterChunks(p: Parameter, files: FileCache, scheduler: IoScheduler, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  return sourceChunks(storedPieceSource(p), p.length, files, scheduler, { chunkBytes });
}
