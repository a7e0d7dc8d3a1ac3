import { rmSync } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ioError, UsageError } from '../../errors.js';
import { EarlyWriteback } from '../os/early-writeback.js';
import { failpoint } from '../os/failpoints.js';
import { resolveOutput } from './output-target.js';
import type { Publication } from './publication.js';
import { writeFully } from '../os/write-fully.js';
import { lockPartial } from './partial-lock.js';
import { partialPath, removeStalePartials } from './stale-partials.js';

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

export interface DurabilityOptions {
  /**
   * Flush each output and its directory to disk before it counts as written
   * (default true). Off (`--no-sync`) for scratch outputs: faster, but a
   * crash of the machine can lose them.
   */
  sync?: boolean | undefined;
  /** Outputs that appear together: flushed outputs wait for it to move them into place. */
  publication?: Publication | undefined;
}

/**
 * An output file written under a temporary name beside its target and renamed
 * into place only when complete, so the target holds either its old contents
 * or the complete new ones, never a partial file. A target reached through
 * symbolic links is the file they lead to: the links stay.
 */
export class AtomicOutput {
  private done = false;
  private readonly writeback: EarlyWriteback;

  private constructor(
    readonly target: string,
    /** The file written: the target, its links followed. */
    readonly file: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
    private readonly durable: boolean,
  ) {
    this.writeback = new EarlyWriteback(handle.fd);
  }

  static async create(target: string, options: DurabilityOptions = {}): Promise<AtomicOutput> {
    const resolved = await resolveOutput(target);
    if (resolved.kind !== 'file') throw new UsageError(`${target} is not a regular file; it can only be written as a stream`);
    const file = resolved.path;
    // An existing file keeps its mode; one no one may write is not replaced (root included, as `rm -i` asks).
    const existing = await stat(file).catch(() => undefined);
    if (existing && (existing.mode & 0o222) === 0) {
      throw new UsageError(`${target} is write-protected (mode ${(existing.mode & 0o7777).toString(8).padStart(4, '0')}); make it writable or remove it first`);
    }
    await removeStalePartials(file);
    const tempPath = partialPath(file);
    let handle: FileHandle;
    try {
      handle = await open(tempPath, 'wx');
    } catch (error) {
      throw ioError(target, error, 'create output');
    }
    pending.add(tempPath);
    await lockPartial(handle.fd);
    if (existing) await handle.chmod(existing.mode & 0o7777).catch(() => undefined);
    return new AtomicOutput(target, file, tempPath, handle, options.sync ?? true);
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
   * Makes the contents durable, without moving the file into place: a job
   * writing several outputs flushes them all before publishing any. The file
   * stays open (and so locked against stale-partial cleanup) until published.
   */
  async flush(): Promise<void> {
    try {
      await this.writeback.settle();
      if (this.durable) {
        failpoint('sync', 1);
        await this.handle.sync();
      }
    } catch (error) {
      await this.abort();
      throw ioError(this.target, error, 'finish output');
    }
  }

  /** Renames a flushed output into place, and makes the rename durable too. */
  async publish(): Promise<void> {
    try {
      await rename(this.tempPath, this.file);
    } catch (error) {
      await this.abort();
      throw ioError(this.target, error, 'finish output');
    }
    pending.delete(this.tempPath);
    this.done = true;
    await this.handle.close().catch(() => undefined);
    if (this.durable) await syncDirectory(dirname(this.file), this.target);
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

/**
 * Flushes a directory's entries, so a file renamed into it survives a crash
 * of the machine (a rename is durable only once its directory is).
 */
export async function syncDirectory(dir: string, named: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    failpoint('sync', 1);
    await handle.sync();
  } catch (error) {
    throw ioError(named, error, 'flush its directory');
  } finally {
    await handle?.close();
  }
}

/** Runs `fill` on a new atomic output; the target appears only if it succeeds. */
export function writeAtomically<T>(target: string, fill: (out: AtomicOutput) => Promise<T>, options: DurabilityOptions = {}): Promise<T> {
  return writeAllAtomically([target], ([out]) => fill(out!), options);
}

/**
 * Several outputs as one: each written under a temporary name, all flushed
 * before any is renamed into place; if anything fails, none appears.
 */
export async function writeAllAtomically<T>(targets: string[], fill: (outputs: AtomicOutput[]) => Promise<T>, options: DurabilityOptions = {}): Promise<T> {
  const outputs: AtomicOutput[] = [];
  try {
    for (const target of targets) outputs.push(await AtomicOutput.create(target, options));
    const result = await fill(outputs);
    const flushed = await Promise.allSettled(outputs.map((out) => out.flush()));
    const failed = flushed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.publication) for (const out of outputs) options.publication.defer(() => out.publish(), () => out.abort());
    else for (const out of outputs) await out.publish();
    return result;
  } catch (error) {
    await Promise.all(outputs.map((out) => out.abort()));
    throw error;
  }
}
