import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ioError } from '../errors.js';
import { EarlyWriteback } from './early-writeback.js';
import { writeFully } from './write-fully.js';
import { removeStalePartials } from './stale-partials.js';

/** Temporary files and directories not yet moved into place, removed if the process is stopped. */
const pending = new Set<string>();

export function addPendingOutput(path: string): void {
  pending.add(path);
}

export function dropPendingOutput(path: string): void {
  pending.delete(path);
}

/** Removes every pending temporary output; safe to call from a signal handler. */
export function removePendingOutputs(): void {
  for (const path of pending) rmSync(path, { recursive: true, force: true });
  pending.clear();
}

/**
 * An output file written under a temporary name beside its target and renamed
 * into place only when complete, so the target holds either its old contents
 * or the complete new ones, never a partial file.
 */
export class AtomicOutput {
  private done = false;
  /** Flushing is skipped for benchmarks that compare with a plain `cp` (PARAMFLOW_FSYNC=0); never for real work. */
  private readonly durable = process.env.PARAMFLOW_FSYNC !== '0';
  private readonly writeback: EarlyWriteback;

  private constructor(
    readonly target: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
  ) {
    this.writeback = new EarlyWriteback(handle.fd);
  }

  static async create(target: string): Promise<AtomicOutput> {
    await removeStalePartials(target);
    const tempPath = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
    let handle: FileHandle;
    try {
      handle = await open(tempPath, 'wx');
    } catch (error) {
      throw ioError(target, error, 'create output');
    }
    pending.add(tempPath);
    return new AtomicOutput(target, tempPath, handle);
  }

  /** The name users know it by (the target), for messages. */
  get path(): string {
    return this.target;
  }

  get fd(): number {
    return this.handle.fd;
  }

  /** Writes all of `bytes` at `position`. */
  write(bytes: Uint8Array, position: number): Promise<void> {
    return this.writev([bytes], position);
  }

  /** Writes `buffers` back to back from `position`, in as few calls as the OS allows. */
  async writev(buffers: Uint8Array[], position: number): Promise<void> {
    try {
      await writeFully(this.handle, buffers, position);
    } catch (error) {
      throw ioError(this.target, error, 'write');
    }
    if (this.durable) this.wrote(buffers.reduce((n, b) => n + b.length, 0));
  }

  /** Hears of bytes written to `fd` by other means (kernel copies), to start their writeback early. */
  wrote(bytes: number): void {
    if (this.durable) this.writeback.wrote(bytes);
  }

  async truncate(size: number): Promise<void> {
    try {
      await this.handle.truncate(size);
    } catch (error) {
      throw ioError(this.target, error, 'size output');
    }
  }

  /** Flushes to disk and renames into place. */
  async commit(): Promise<void> {
    await this.flush();
    await this.publish();
  }

  /**
   * Makes the contents durable and closes the file, without moving it into
   * place: a job writing several outputs flushes them all before publishing any.
   */
  async flush(): Promise<void> {
    try {
      await this.writeback.settle();
      if (this.durable) await this.handle.sync();
      await this.handle.close();
    } catch (error) {
      await this.abort();
      throw ioError(this.target, error, 'finish output');
    }
  }

  /** Renames a flushed output into place. */
  async publish(): Promise<void> {
    try {
      await rename(this.tempPath, this.target);
    } catch (error) {
      await this.abort();
      throw ioError(this.target, error, 'finish output');
    }
    pending.delete(this.tempPath);
    this.done = true;
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.writeback.settle();
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
    pending.delete(this.tempPath);
  }
}

/** Runs `fill` on a new atomic output; the target appears only if it succeeds. */
export function writeAtomically<T>(target: string, fill: (out: AtomicOutput) => Promise<T>): Promise<T> {
  return writeAllAtomically([target], ([out]) => fill(out!));
}

/**
 * Several outputs as one: each written under a temporary name, all flushed
 * before any is renamed into place; if anything fails, none appears.
 */
export async function writeAllAtomically<T>(targets: string[], fill: (outputs: AtomicOutput[]) => Promise<T>): Promise<T> {
  const outputs: AtomicOutput[] = [];
  try {
    for (const target of targets) outputs.push(await AtomicOutput.create(target));
    const result = await fill(outputs);
    const flushed = await Promise.allSettled(outputs.map((out) => out.flush()));
    const failed = flushed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const out of outputs) await out.publish();
    return result;
  } catch (error) {
    await Promise.all(outputs.map((out) => out.abort()));
    throw error;
  }
}
