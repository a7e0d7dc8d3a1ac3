import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ioError } from '../errors.js';
import { EarlyWriteback } from './early-writeback.js';

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
  private readonly flush = process.env.PARAMFLOW_FSYNC !== '0';
  private readonly writeback: EarlyWriteback;

  private constructor(
    readonly target: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
  ) {
    this.writeback = new EarlyWriteback(handle.fd);
  }

  static async create(target: string): Promise<AtomicOutput> {
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
  async write(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
    } catch (error) {
      throw ioError(this.target, error, 'write');
    }
    this.wrote(bytes.length);
  }

  /** Hears of bytes written to `fd` by other means (kernel copies), to start their writeback early. */
  wrote(bytes: number): void {
    if (this.flush) this.writeback.wrote(bytes);
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
    try {
      await this.writeback.settle();
      if (this.flush) await this.handle.sync();
      await this.handle.close();
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
export async function writeAtomically<T>(target: string, fill: (out: AtomicOutput) => Promise<T>): Promise<T> {
  const out = await AtomicOutput.create(target);
  try {
    const result = await fill(out);
    await out.commit();
    return result;
  } catch (error) {
    await out.abort();
    throw error;
  }
}
