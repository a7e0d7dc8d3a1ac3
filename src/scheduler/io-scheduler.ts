// One class past 250 lines: the queue, byte budget and buffer pool are shared
// by every way it moves bytes (planned copies with their three kinds of job,
// gathers, scatters), and split apart they would each need all three. What
// does not need them lives beside it: options.ts (limits), plan.ts (copy
// planning), vectored-io.ts (runs, vectored reads and writes), laid-out-read.ts.
import PQueue from 'p-queue';
import { Subject } from 'rxjs';
import { FormatError, ioError } from '../errors.js';
import { inPlace, outputBytes } from '../kernels/kernel.js';
import { kernelPool } from '../kernels/kernel-pool.js';
import type { FileCache } from '../io/inputs/file-cache.js';
import { fillWithPattern } from '../model/fill-pattern.js';
import { BufferPool } from './buffer-pool.js';
import { ByteBudget } from './byte-budget.js';
import { readJobNudge } from './copy-alignment.js';
import { copyFileRange, kernelCopyAvailable } from './copy-file-range.js';
import { fenced, type Fence } from './fence.js';
import { groupBy } from './group-by.js';
import { layOutRead } from './laid-out-read.js';
import { DISCARD, readRun, runsOf, sourceRuns, targetRuns, writeRun } from './vectored-io.js';
import { ReleaseBehind } from './release-behind.js';
import { planCopies, type CopyJob, type CopyPiece, type FillJob, type KernelCopyJob, type Placement, type ReadJob } from './plan.js';
import { checkSchedulerOptions, SCHEDULER_DEFAULTS, type SchedulerOptions } from './options.js';

export { SCHEDULER_DEFAULTS, type SchedulerOptions } from './options.js';

/** A file being written: its descriptor for kernel copies and positioned writes. */
export interface WritableTarget {
  path: string;
  fd: number;
  write(bytes: Uint8Array, position: number): Promise<void>;
  /** Writes the buffers one after another from `position`, in as few calls as the OS allows. */
  writev(buffers: Uint8Array[], position: number): Promise<void>;
  /** Hears of bytes the kernel copied into `fd` directly. */
  wrote?(bytes: number): void;
}

export interface ProgressEvent {
  bytes: number;
  /** Bytes done per caller tag (e.g. per parameter) in this step. */
  tags: [number, number][];
}

export interface CopyOptions {
  /** The targets are fresh sized files: zero fills need no writing. */
  targetIsZeroed?: boolean;
  /**
   * Nothing reads the sources after this copy: a source that can (a spill)
   * gives back each range once every job reading it is done.
   */
  releaseSources?: boolean;
  /** Stops the copy: no job starts once it is aborted, and the copy fails with its reason. */
  abort?: AbortSignal | undefined;
}

export interface OrderedOptions {
  wait?: Fence;
  signal?: Fence;
}

/** Padding a laid-out read may add to a chunk (64-byte alignment between 2 MiB of 20 KiB parameters adds about 6 KiB). */
const LAYOUT_SLACK_BYTES = 64 * 2 ** 10;

/**
 * Runs batched file I/O: copies planned into large jobs, a cap on bytes held
 * in buffers (producers wait for room), a cap on jobs in flight, a pool of
 * reused buffers, kernel copies where the OS has them, and wait/signal fences
 * on every operation. Progress is an event stream.
 */
export class IoScheduler {
  readonly budget: ByteBudget;
  readonly progress = new Subject<ProgressEvent>();
  private readonly pool: BufferPool;
  private readonly queue: PQueue;
  private readonly options: Required<SchedulerOptions>;
  private kernelCopy: boolean;
  /** Bytes read from source files so far (a fan-out reads each range once). */
  bytesRead = 0;
  /** System calls issued so far (each read, vectored read, write or kernel copy), to check batching. */
  readonly calls = { reads: 0, writes: 0 };

  /** Options out of SCHEDULER_LIMITS are refused here, as p-queue refuses a bad concurrency. */
  constructor(options: SchedulerOptions = {}) {
    checkSchedulerOptions(options);
    this.options = {
      budgetBytes: options.budgetBytes ?? SCHEDULER_DEFAULTS.budgetBytes,
      chunkBytes: options.chunkBytes ?? SCHEDULER_DEFAULTS.chunkBytes,
      concurrency: options.concurrency ?? SCHEDULER_DEFAULTS.concurrency,
      kernelCopy: options.kernelCopy ?? process.env.PARAMFLOW_KERNEL_COPY === '1',
    };
    this.budget = new ByteBudget(Math.max(this.options.budgetBytes, this.options.chunkBytes));
    // Room past a chunk for the padding a laid-out read puts between parameters.
    // Shared memory, so a kernel thread computes in the buffers themselves.
    this.pool = new BufferPool(this.options.chunkBytes + LAYOUT_SLACK_BYTES, { shared: true });
    this.queue = new PQueue({ concurrency: this.options.concurrency });
    this.kernelCopy = this.options.kernelCopy && kernelCopyAvailable();
  }

  /** Buffers allocated so far: bounded by the budget, whatever the data. */
  get buffersAllocated(): number {
    return this.pool.allocated;
  }

  /** Copies every piece (file ranges or fills) to its place in `target`. */
  copyToFile(pieces: CopyPiece[], target: WritableTarget, files: FileCache, options: OrderedOptions & CopyOptions = {}): Promise<void> {
    return this.copyToFiles([{ target, pieces }], files, options);
  }

  /**
   * Copies pieces into several targets at once, reading each source range
   * once however many targets need it. `targetIsZeroed`: the targets are
   * fresh sized files, so zero fills need no writing.
   */
  copyToFiles(targets: { target: WritableTarget; pieces: CopyPiece[] }[], files: FileCache, options: OrderedOptions & CopyOptions = {}): Promise<void> {
    return fenced(options.wait, options.signal, async () => {
      const jobs = planCopies(
        targets.map((t) => t.pieces),
        {
          chunkBytes: this.options.chunkBytes,
          sourceChunkBytes: await preferredReads(targets, files),
          kernelCopyMinBytes: this.kernelCopy ? SCHEDULER_DEFAULTS.kernelCopyMinBytes : Infinity,
          kernelChunkBytes: SCHEDULER_DEFAULTS.kernelChunkBytes,
          maxGapBytes: SCHEDULER_DEFAULTS.maxGapBytes,
          targetIsZeroed: options.targetIsZeroed ?? false,
        },
      );
      const outputs = targets.map((t) => t.target);
      const behind = options.releaseSources ? new ReleaseBehind(jobs.flatMap(sourceRead)) : undefined;
      await this.runAll(
        jobs.map((job) => async () => {
          options.abort?.throwIfAborted();
          await this.runJob(job, outputs, files);
          const done = behind?.finish(job);
          if (done) await (await files.get(done.path)).release?.(done.offset, done.length);
        }),
      );
    });
  }

  /** Reads file ranges into places in one buffer, merging adjacent ranges of a file into single reads. */
  gather(spans: { path: string; offset: number; length: number; into: number }[], buffer: Uint8Array, files: FileCache, options: OrderedOptions = {}): Promise<void> {
    return fenced(options.wait, options.signal, async () => {
      const byFile = groupBy(
        spans.filter((s) => s.length > 0),
        (s) => s.path,
      );
      const tasks: (() => Promise<void>)[] = [];
      for (const [path, list] of byFile) {
        for (const run of sourceRuns(list)) {
          tasks.push(async () => {
            this.calls.reads += 1;
            await readRun(await files.get(path), run, (s) => buffer.subarray(s.into, s.into + s.length));
          });
        }
      }
      await this.runAll(tasks);
    });
  }

  /** Writes places of one buffer to ranges of a target file; ranges adjacent in the file take one vectored write. */
  scatter(buffer: Uint8Array, spans: { from: number; offset: number; length: number }[], target: WritableTarget, options: OrderedOptions = {}): Promise<void> {
    return fenced(options.wait, options.signal, async () => {
      const sorted = spans.filter((s) => s.length > 0).sort((a, b) => a.offset - b.offset);
      const runs = runsOf(sorted, (last, s) => last.offset + last.length === s.offset);
      await this.runAll(
        runs.map((run) => () => {
          this.calls.writes += 1;
          return target.writev(
            run.map((s) => buffer.subarray(s.from, s.from + s.length)),
            run[0]!.offset,
          );
        }),
      );
    });
  }

  /** Runs tasks on the queue; the first failure stops what has not started and is rethrown. */
  private async runAll(tasks: (() => Promise<void>)[]): Promise<void> {
    let failure: unknown;
    await Promise.all(
      tasks.map((task) =>
        this.queue.add(async () => {
          if (failure === undefined) await task();
        }).catch((error) => {
          failure ??= error;
        }),
      ),
    );
    if (failure !== undefined) throw failure;
  }

  private async runJob(job: CopyJob, targets: WritableTarget[], files: FileCache): Promise<void> {
    if (job.kind === 'read') return this.readJob(job, targets, files);
    if (job.kind === 'fill') return this.fillJob(job, targets[job.file]!);
    if (this.kernelCopy && (await this.kernelJob(job, targets[job.file]!, files))) return;
    // The kernel refused (another filesystem, an old kernel): copy through buffers from now on.
    this.kernelCopy = false;
    for (let done = 0; done < job.length; done += this.options.chunkBytes) {
      const length = Math.min(this.options.chunkBytes, job.length - done);
      const place: Placement = { file: job.file, target: job.target + done, from: 0, length, after: -1, tag: job.tag };
      await this.readJob({ kind: 'read', path: job.path, offset: job.sourceOffset + done, length, places: [place] }, targets, files);
    }
  }

  /** Returns false if the kernel cannot copy between these files. */
  private async kernelJob(job: KernelCopyJob, target: WritableTarget, files: FileCache): Promise<boolean> {
    const source = await files.get(job.path);
    // A stream has no descriptor to copy from.
    if (source.fd < 0) return false;
    let done = 0;
    while (done < job.length) {
      let n: number;
      try {
        this.calls.writes += 1;
        n = await copyFileRange(source.fd, job.sourceOffset + done, target.fd, job.target + done, job.length - done);
      } catch (error) {
        throw ioError(target.path, error, 'copy');
      }
      if (n < 0) {
        if (done === 0) return false;
        throw ioError(target.path, new Error('copy_file_range failed part way'), 'copy');
      }
      if (n === 0) throw new FormatError(job.path, job.sourceOffset + done, 'file ended while copying (did it shrink?)');
      done += n;
      target.wrote?.(n);
    }
    this.report([job]);
    return true;
  }

  /**
   * One read of a source range, then one vectored write per run of nearby
   * places in each target. A computed range's kernel runs between the two,
   * in place or into a second buffer.
   */
  private async readJob(job: ReadJob, targets: WritableTarget[], files: FileCache): Promise<void> {
    const { kernel } = job;
    const second = kernel && !inPlace(kernel);
    const release = await this.budget.acquire(job.length + (second ? outputBytes(kernel, job.length) : 0));
    const pooled = this.pool.take();
    const output = second ? this.pool.take() : undefined;
    try {
      const source = await files.get(job.path);
      // Where the buffer starts in a page: lined up with the target when laid out, else with the source.
      const nudge = readJobNudge(job);
      // A file with a descriptor takes a vectored read in one call; a stream fills buffer by buffer.
      const first = job.places[0];
      const laidBuffer = source.fd >= 0 && first && !kernel ? pooled.at(first.target + nudge) : undefined;
      const laid = laidBuffer && layOutRead(job, laidBuffer, DISCARD, SCHEDULER_DEFAULTS.maxGapBytes);
      // A short vectored read (a file that shrank) goes the exact way, which names where it ended.
      if (laid && (await source.readv(laid.reads, job.offset)) === job.length) {
        this.calls.writes += 1;
        await targets[laid.file]!.write(laidBuffer.subarray(0, laid.span), laid.target);
      } else {
        // A kernel reads elements: its buffers start on 8-byte boundaries, the side of the page offset that keeps the copies fast.
        const read = await source.read(job.offset, job.length, 'parameter data', pooled.at(kernel ? job.offset - (job.offset % 8) : job.offset - nudge));
        const bytes = kernel ? await kernelPool().run(kernel, read, output?.at(roundUp(first?.target ?? 0, 8))) : read;
        const writes: Promise<void>[] = [];
        for (const [file, places] of groupBy(job.places, (p) => p.file)) {
          for (const run of targetRuns(places)) writes.push(writeRun(targets[file]!, run, bytes));
        }
        this.calls.writes += writes.length;
        await Promise.all(writes);
      }
      this.bytesRead += job.length;
      this.calls.reads += 1;
      this.report(job.places);
    } finally {
      this.pool.give(pooled);
      if (output) this.pool.give(output);
      release();
    }
  }

  /** Fills a window of one target from patterns and writes it at once. */
  private async fillJob(job: FillJob, target: WritableTarget): Promise<void> {
    const release = await this.budget.acquire(job.length);
    const pooled = this.pool.take();
    try {
      const window = pooled.at(job.target).subarray(0, job.length);
      let cursor = job.target;
      for (const p of job.pieces) {
        if (p.target > cursor) window.fill(0, cursor - job.target, p.target - job.target);
        if (p.source.kind === 'fill') fillWithPattern(window.subarray(p.target - job.target, p.target - job.target + p.length), p.source.pattern);
        cursor = p.target + p.length;
      }
      await target.write(window, job.target);
      this.calls.writes += 1;
      this.report(job.pieces);
    } finally {
      this.pool.give(pooled);
      release();
    }
  }

  /**
   * Reports what a job moved, totalled per tag (a read job serves a hundred
   * small parameters; a parameter may span jobs). Progress costs a step per
   * parameter: it is counted only while someone listens.
   */
  private report(done: { tag?: number | undefined; length: number }[]): void {
    if (!this.progress.observed) return;
    let bytes = 0;
    const tags = new Map<number, number>();
    for (const p of done) {
      bytes += p.length;
      if (p.tag !== undefined) tags.set(p.tag, (tags.get(p.tag) ?? 0) + p.length);
    }
    this.progress.next({ bytes, tags: [...tags] });
  }
}

/** Sources that read best in smaller pieces than the scheduler's chunk (streams), by path. */
async function preferredReads(targets: { pieces: CopyPiece[] }[], files: FileCache): Promise<Map<string, number>> {
  const paths = new Set<string>();
  for (const { pieces } of targets) for (const p of pieces) if (p.source.kind !== 'fill') paths.add(p.source.path);
  const preferred = new Map<string, number>();
  for (const path of paths) {
    const bytes = (await files.get(path)).preferredReadBytes;
    if (bytes !== undefined) preferred.set(path, bytes);
  }
  return preferred;
}

/** The source range a job reads, if it reads one. */
function sourceRead(job: CopyJob): { job: CopyJob; path: string; offset: number; length: number }[] {
  if (job.kind === 'read') return [{ job, path: job.path, offset: job.offset, length: job.length }];
  if (job.kind === 'kernel') return [{ job, path: job.path, offset: job.sourceOffset, length: job.length }];
  return [];
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;
