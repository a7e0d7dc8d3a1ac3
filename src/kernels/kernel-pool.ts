import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compute, outputBytes, type Kernel } from './kernel.js';
import type { KernelTask } from './kernel-worker.js';

/** Below this many input bytes a kernel runs where it is called: a message to a thread costs more. */
const MIN_POOLED_BYTES = 256 * 1024;

/**
 * Threads that run kernels beside the I/O, one per core (at most 16): the
 * scheduler's read jobs hand them whole chunks, so a cast or a quantizer
 * uses every core while reads and writes go on. A kernel runs on a thread
 * when it has a recipe and its buffers are shared memory; otherwise (a byte
 * swap, a small chunk) on the calling thread. Threads start on first use and
 * never keep the process alive.
 */
export class KernelPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  /** Each busy thread's task: settled by its answer, or failed if the thread dies. */
  private readonly running = new Map<Worker, { id: number; resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;

  /** `size` threads at most; 0 runs every kernel on the calling thread. */
  constructor(readonly size = defaultThreads()) {}

  /** Runs `kernel` over `input` into `output` (or in place, when its units are equal); resolves to the output's bytes. */
  async run(kernel: Kernel, input: Uint8Array, output?: Uint8Array): Promise<Uint8Array> {
    const out = output ? output.subarray(0, outputBytes(kernel, input.length)) : kernel.inputUnit === kernel.outputUnit ? input : undefined;
    const shared = (bytes: Uint8Array | undefined) => bytes !== undefined && bytes.buffer instanceof SharedArrayBuffer;
    if (this.size === 0 || !kernel.recipe || input.length < MIN_POOLED_BYTES || !shared(input) || !shared(out) || !workerPath()) return compute(kernel, input, output);
    const worker = await this.take();
    try {
      await new Promise<void>((resolve, reject) => {
        const id = this.nextId++;
        this.running.set(worker, { id, resolve, reject });
        const task: KernelTask = { id, recipe: kernel.recipe!, input, output: out! };
        // Busy, the thread keeps the process alive (it is what the caller waits on); idle, it does not.
        worker.ref();
        worker.postMessage(task);
      });
    } finally {
      // A thread that died is not handed out again.
      if (this.workers.includes(worker)) this.give(worker);
    }
    return out!;
  }

  private take(): Promise<Worker> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.workers.length < this.size) return Promise.resolve(this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(worker: Worker): void {
    worker.unref();
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  private start(): Worker {
    const worker = new Worker(workerPath()!);
    worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const task = this.running.get(worker);
      if (task?.id !== id) return;
      this.running.delete(worker);
      if (error === undefined) task.resolve();
      else task.reject(new Error(`kernel thread: ${error}`));
    });
    // A thread that dies fails what it was running; the pool starts another in its place on demand.
    worker.on('error', (error) => {
      this.running.get(worker)?.reject(error);
      this.running.delete(worker);
      this.workers.splice(this.workers.indexOf(worker), 1);
      const idle = this.idle.indexOf(worker);
      if (idle >= 0) this.idle.splice(idle, 1);
    });
    this.workers.push(worker);
    return worker;
  }
}

/** One per core, at most 16; PARAMFLOW_KERNEL_THREADS sets another number (0: none, every kernel on the calling thread). */
function defaultThreads(): number {
  const asked = Number(process.env.PARAMFLOW_KERNEL_THREADS);
  return Number.isInteger(asked) && asked >= 0 ? Math.min(asked, 256) : Math.max(1, Math.min(16, availableParallelism()));
}

let located: URL | null | undefined;

/**
 * The worker's module: beside this one when run from the compiled library
 * (`kernel-worker.js`), or the bundled command's own entry (`kernel-worker.mjs`,
 * beside the bundle or one folder up from its chunks). None found (a bundle
 * without it): kernels run on the calling thread.
 */
function workerPath(): URL | undefined {
  if (located === undefined) {
    const candidates = ['./kernel-worker.js', './kernel-worker.mjs', '../kernel-worker.mjs'].map((name) => new URL(name, import.meta.url));
    located = candidates.find((url) => existsSync(fileURLToPath(url))) ?? null;
  }
  return located ?? undefined;
}

let shared: KernelPool | undefined;

/** The process's pool: threads are a process-wide resource, as libuv's are, so every scheduler shares one. */
export function kernelPool(): KernelPool {
  return (shared ??= new KernelPool());
}
