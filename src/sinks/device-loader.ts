import PQueue from 'p-queue';
import type { Device } from '../device/device.js';
import { inputsOf, type FileCache } from '../io/inputs/file-cache.js';
import { compute } from '../kernels/kernel.js';
import { loadBatches, type Batch } from './load-batches.js';
import { loadOrder } from './load-order.js';
import { packParameters, residentKey, type DevicePlacement } from './device-packing.js';

export { residentKey, type DevicePlacement } from './device-packing.js';
import type { Parameter } from '../model/parameter.js';
import { BufferPool } from '../scheduler/buffer-pool.js';
import { alignmentNudge } from '../scheduler/copy-alignment.js';
import { Fence } from '../scheduler/fence.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ProgressState } from '../scheduler/progress.js';


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
  /** Stops the load: no batch starts once it is aborted, and every fence not yet signalled fails. */
  abort?: AbortSignal | undefined;
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
  /** Where each parameter (by `residentKey`) lives on the device. */
  readonly placements: Map<string, DevicePlacement>;
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
    this.placements = packParameters(this.order, device, options.arenaBytes ?? 256 * 2 ** 20);
    this.done = this.run(options);
    // Failures reach callers through `done` and the fences; never as an unhandled rejection.
    this.done.catch(() => undefined);
  }



  private async run(options: DeviceLoadOptions): Promise<DeviceLoadStats> {
    const started = performance.now();
    const chunkBytes = options.chunkBytes ?? 8 * 2 ** 20;
    const slots = Math.max(1, options.stagingBuffers ?? 4);
    const { scheduler } = this;
    const { files, done } = inputsOf(options);
    // Not shared memory: Dawn's writeBuffer refuses views of a SharedArrayBuffer, so a kernel here runs on this thread.
    const pool = new BufferPool(chunkBytes);
    // Where a kernel whose output differs in length from its input writes it.
    const outputs = new BufferPool(chunkBytes);
    const ring = new PQueue({ concurrency: slots });
    const batches = loadBatches(this.order, this.placements, chunkBytes);
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
        options.abort?.throwIfAborted();
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

