import { inputBytes, type Kernel } from '../kernels/kernel.js';
import { littleEndian } from '../model/byte-order.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import { residentKey, type DevicePlacement } from './device-packing.js';

export interface Upload {
  place: DevicePlacement;
  at: number;
  /** Where the staged bytes start. */
  from: number;
  /** Bytes uploaded. */
  length: number;
  /** Computed bytes: the kernel that makes them from `staged` staged bytes. */
  kernel?: Kernel | undefined;
  staged: number;
}
export interface Batch {
  reads: { path: string; offset: number; length: number; into: number }[];
  uploads: Upload[];
  fills: { place: DevicePlacement; pattern: Uint8Array }[];
  /** Parameters whose last bytes this batch carries. */
  completes: Parameter[];
  used: number;
}

/**
 * Cuts a load into batches of at most `chunkBytes` staged bytes: the reads
 * that fill one staging buffer, the uploads from it, the fills done on the
 * device, and the parameters whose last bytes it carries. A parameter larger
 * than the room left is split on 4-byte boundaries (and whole kernel units).
 */
export function loadBatches(order: Parameter[], placements: Map<string, DevicePlacement>, chunkBytes: number): Batch[] {
  const batches: Batch[] = [];
  let batch: Batch = { reads: [], uploads: [], fills: [], completes: [], used: 0 };
  const next = () => {
    batches.push(batch);
    batch = { reads: [], uploads: [], fills: [], completes: [], used: 0 };
  };
  for (const p of order) {
    const place = placements.get(residentKey(p))!;
    const pattern = fillPattern(p);
    if (pattern || p.length === 0) {
      if (p.length > 0) batch.fills.push({ place, pattern: pattern! });
      batch.completes.push(p);
      continue;
    }
    // Every output is little-endian: a big-endian source's bytes are computed on the way.
    const q = littleEndian(p);
    const range = fileRange(q)!;
    const kernel = q.storage.kind === 'computed' ? q.storage.kernel : undefined;
    const staged = (bytes: number) => (kernel ? inputBytes(kernel, bytes) : bytes);
    // Parts of a split parameter start on 4-byte boundaries, as device copies need, and on whole kernel units.
    const unit = kernel ? leastCommonMultiple(4, kernel.outputUnit) : 4;
    for (let done = 0; done < p.length; ) {
      // Output bytes whose input fits the staging buffer's room, and which fit one buffer themselves.
      let room = kernel ? Math.min(chunkBytes, Math.floor((chunkBytes - batch.used) / kernel.inputUnit) * kernel.outputUnit) : chunkBytes - batch.used;
      if (p.length - done > room) room -= room % unit;
      if (room <= 0) {
        next();
        continue;
      }
      const length = Math.min(room, p.length - done);
      batch.reads.push({ path: range.path, offset: range.offset + staged(done), length: staged(length), into: batch.used });
      batch.uploads.push({ place, at: place.offset + done, from: batch.used, length, kernel, staged: staged(length) });
      batch.used += staged(length);
      done += length;
    }
    batch.completes.push(p);
  }
  next();
  return batches.filter((b) => b.completes.length > 0 || b.uploads.length > 0);
}

function leastCommonMultiple(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
