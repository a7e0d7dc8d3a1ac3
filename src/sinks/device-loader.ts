import PQueue from 'p-queue';
import type { Device, DeviceBuffer } from '../device/device.js';
import { DataError } from '../errors.js';
import { inputsOf, type FileCache } from '../io/file-cache.js';
import { compute, inputBytes, type Kernel } from '../kernels/kernel.js';
import { littleEndian } from '../model/byte-order.js';
import { loadOrder } from './load-order.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import { BufferPool } from '../scheduler/buffer-pool.js';
import { alignmentNudge } from '../scheduler/copy-alignment.js';
import { Fence } from '../scheduler/fence.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ProgressState } from '../scheduler/progress.js';

export interface DevicePlacement {
  buffer: DeviceBuffer;
  offset: number;
  length: number;
}

export interface DeviceLoadOptions {
  /** Reads the bytes; a default one if not given. */
  scheduler?: IoScheduler;
  /** Keys (exact, globs or SCOPE::KEY) to load first, in this order; the rest follow in file order. */
  priority?: string[];
  /** Size of one staging buffer (default 8 MiB). */
  chunkBytes?: number | undefined;
  /** Staging buffers in the ring (default 4): host memory used is their total. */
  stagingBuffers?: number | undefined;
  /** Size of the device buffers small parameters are packed into (default 256 MiB, or the device's maximum if less). */
  arenaBytes?: number;
  /** Hears the running totals of bytes and parameters resident. */
  onProgress?: ((state: ProgressState) => void) | undefined;
  /** Hears of a priority that names no parameter. */
  warn?: ((message: string) => void) | undefined;
  /** The inputs the parameters were read with (standard input's state among them); the caller closes them. */
  inputs?: FileCache;
}

export interface DeviceLoadStats {
  parameters: number;
  bytes: number;
  seconds: number;
  /** Seconds until the first parameter was resident. */
  firstResidentSeconds: number;
  /** Host memory held for staging: the ring's buffers. */
  stagingBytes: number;
}

/** `scope::key`, or the key alone in the global scope. */
export const residentKey = (p: { scope: string; key: string }) => (p.scope === '' ? p.key : `${p.scope}::${p.key}`);

interface Upload {
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
interface Batch {
  reads: { path: string; offset: number; length: number; into: number }[];
  uploads: Upload[];
  fills: { place: DevicePlacement; pattern: Uint8Array }[];
  /** Parameters whose last bytes this batch carries. */
  completes: Parameter[];
  used: number;
}

/**
 * Streams parameters into device memory: read through the scheduler into a
 * small ring of staging buffers, uploaded to the device queue, several
 * batches in flight. Small parameters are packed into large device buffers
 * at the device's offset alignment. Each parameter has a fence signalled once
 * it is resident, in load order (priority first), so a consumer can start on
 * the first layers while the rest stream in. Splats are filled on the device.
 * A failure fails the fence of every parameter not yet resident.
 */
export class DeviceLoad {
  readonly placements = new Map<string, DevicePlacement>();
  readonly resident = new Map<string, Fence>();
  /** The parameters in the order they are loaded. */
  readonly order: Parameter[];
  readonly done: Promise<DeviceLoadStats>;
  /** Reads the bytes (and reads them again to verify). */
  readonly scheduler: IoScheduler;

  constructor(
    parameters: Parameter[],
    readonly device: Device,
    options: DeviceLoadOptions = {},
  ) {
    this.scheduler = options.scheduler ?? new IoScheduler();
    this.order = loadOrder(parameters, options.priority ?? [], options.warn);
    for (const p of this.order) this.resident.set(residentKey(p), Fence.create(residentKey(p)));
    this.pack(options.arenaBytes ?? 256 * 2 ** 20);
    this.done = this.run(options);
    // Failures reach callers through `done` and the fences; never as an unhandled rejection.
    this.done.catch(() => undefined);
  }

  private pack(arenaBytes: number): void {
    const { device } = this;
    const align = device.offsetAlignment;
    const arena = Math.min(device.maxBufferSize, arenaBytes);
    const arenas: { size: number; members: [Parameter, number][] }[] = [];
    const alignUp = (n: number) => Math.ceil(n / align) * align;
    let current: (typeof arenas)[number] | undefined;
    for (const p of this.order) {
      if (p.length > device.maxBufferSize) {
        throw new DataError(`parameter ${residentKey(p)} is ${p.length} bytes, more than the largest buffer ${device.backend} device '${device.description}' takes (${device.maxBufferSize} bytes)`);
      }
      if (p.length > arena) {
        arenas.push({ size: p.length, members: [[p, 0]] });
        continue;
      }
      const offset = current ? alignUp(current.size) : 0;
      if (!current || offset + p.length > arena) {
        current = { size: 0, members: [] };
        arenas.push(current);
        current.members.push([p, 0]);
        current.size = p.length;
      } else {
        current.members.push([p, offset]);
        current.size = offset + p.length;
      }
    }
    for (const a of arenas) {
      const buffer = device.createBuffer(Math.max(align, alignUp(a.size)));
      for (const [p, offset] of a.members) this.placements.set(residentKey(p), { buffer, offset, length: p.length });
    }
  }

  private batches(chunkBytes: number): Batch[] {
    const batches: Batch[] = [];
    let batch: Batch = { reads: [], uploads: [], fills: [], completes: [], used: 0 };
    const next = () => {
      batches.push(batch);
      batch = { reads: [], uploads: [], fills: [], completes: [], used: 0 };
    };
    for (const p of this.order) {
      const place = this.placements.get(residentKey(p))!;
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

  private async run(options: DeviceLoadOptions): Promise<DeviceLoadStats> {
    const started = performance.now();
    const chunkBytes = options.chunkBytes ?? 8 * 2 ** 20;
    const slots = Math.max(1, options.stagingBuffers ?? 4);
    const { scheduler } = this;
    const { files, done } = inputsOf(options);
    const pool = new BufferPool(chunkBytes);
    // Where a kernel whose output differs in length from its input writes it.
    const outputs = new BufferPool(chunkBytes);
    const ring = new PQueue({ concurrency: slots });
    const batches = this.batches(chunkBytes);
    const total = this.order.reduce((n, p) => n + p.length, 0);
    let bytesDone = 0;
    let parametersDone = 0;
    let firstResident: number | undefined;
    let failure: unknown;
    const signalled = new Set<string>();
    let previous: Promise<void> = Promise.resolve();
    const steps = batches.map((batch) => {
      const moved = ring.add(async () => {
        if (failure !== undefined) throw failure;
        const pooled = pool.take();
        try {
          const staging = pooled.at(stagingResidue(batch.reads));
          await scheduler.gather(batch.reads, staging, files);
          const output = batch.uploads.some((u) => u.kernel && u.staged !== u.length) ? outputs.take() : undefined;
          try {
            for (const u of batch.uploads) {
              const bytes = staging.subarray(u.from, u.from + u.staged);
              // A device copies what it is given before upload returns, so one output buffer serves the batch.
              this.device.upload(u.place.buffer, u.at, u.kernel ? compute(u.kernel, bytes, u.staged === u.length ? undefined : output!.at(0)) : bytes);
            }
          } finally {
            if (output) outputs.give(output);
          }
        } finally {
          pool.give(pooled);
        }
        for (const f of batch.fills) this.device.fill(f.place.buffer, f.place.offset, f.place.length, f.pattern);
        await this.device.drain();
      });
      // Fences are signalled in load order, whatever order the batches finish in.
      const after = previous;
      previous = (async () => {
        await moved;
        await after;
        for (const p of batch.completes) {
          this.resident.get(residentKey(p))!.signal();
          signalled.add(residentKey(p));
        }
        // Bytes count as they land; a parameter, once its last part has.
        bytesDone += batch.uploads.reduce((n, u) => n + u.length, 0) + batch.fills.reduce((n, f) => n + f.place.length, 0);
        if (batch.completes.length > 0) firstResident ??= (performance.now() - started) / 1000;
        parametersDone += batch.completes.length;
        options.onProgress?.({ bytesDone, bytesTotal: total, parametersDone, parametersTotal: this.order.length });
      })();
      // Each step is awaited below in turn; one that fails while an earlier one is awaited is not unhandled.
      previous.catch(() => undefined);
      return previous;
    });
    try {
      for (const step of steps) await step;
    } catch (error) {
      failure ??= error;
      for (const [key, fence] of this.resident) if (!signalled.has(key)) fence.fail(failure as Error);
      await Promise.allSettled(steps);
      throw failure;
    } finally {
      await ring.onIdle();
      await done();
    }
    return {
      parameters: this.order.length,
      bytes: total,
      seconds: (performance.now() - started) / 1000,
      firstResidentSeconds: firstResident ?? 0,
      stagingBytes: Math.min(slots, batches.length) * chunkBytes,
    };
  }
}

/** Where in a page a batch's staging buffer starts: lined up with its first read's source, nudged clear of slow copies for the rest. */
function stagingResidue(reads: Batch['reads']): number {
  const first = reads[0];
  if (!first) return 0;
  const anchor = first.offset - first.into;
  return anchor + alignmentNudge(reads, (r) => anchor + r.into - r.offset);
}

function leastCommonMultiple(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
