import { read as readCallback } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { FormatError, ioError } from '../../errors.js';
import { failpoint } from '../os/failpoints.js';
import { PlaceableBuffer } from '../os/placeable-buffer.js';
import { pumpToFile, type PumpFailure } from './pump.js';
import { writeFully } from '../os/write-fully.js';
import type { ReadableFile } from '../inputs/readable-file.js';

const readFd = promisify(readCallback);

/**
 * Bytes nobody asked for yet (skipped, or read to be kept) pass through a
 * few small buffers: small enough to stay in the CPU's cache, so a stream is
 * copied at the pace of `cat` (1 MiB buffers halved it); several, so the
 * next read overlaps the spill write of the last.
 */
const SKIP_BYTES = 128 * 1024;
const SKIP_BUFFERS = 4;

/**
 * A non-seekable input (a pipe, standard input) read as a file. Bytes are
 * taken from the stream in order, straight into the reader's buffers. While
 * `retaining`, every byte taken is also kept in a spill file, so headers can
 * be read more than once and out of order; afterwards reads must come in
 * increasing order (as the scheduler's copies do), and bytes nobody asks for
 * are skipped. Memory stays at a few small buffers.
 */
export class StreamedInput implements ReadableFile {
  readonly fd = -1;
  /**
   * A pipe hands over at most its buffer (1 MiB, widened) per read: jobs of
   * that size copied a piped 2 GiB file in two thirds of the time 2 MiB
   * jobs took (interleaved runs).
   */
  readonly preferredReadBytes = 1024 * 1024;
  /** Bytes taken from the stream so far. */
  private head = 0;
  /** Bytes [0, retained) are in the spill file. */
  private retained = 0;
  private retaining = true;
  private ended = false;
  /** Reads are served one at a time, in the order they were asked for. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly skipBuffers = Array.from({ length: SKIP_BUFFERS }, () => PlaceableBuffer.allocate(SKIP_BYTES));
  /** The spill write still reading from each skip buffer. */
  private readonly skipWrites: Promise<void>[] = Array.from({ length: SKIP_BUFFERS }, () => Promise.resolve());
  private nextSkip = 0;
  /** Spill writes from the reader's own buffers, done before the read returns. */
  private ownWrites: Promise<void>[] = [];

  constructor(
    readonly path: string,
    private readonly streamFd: number,
    private readonly spill: FileHandle,
    readonly spillPath: string,
  ) {}

  /** Opens a stream on `fd`, spilling what it keeps into a new file at `spillPath`. */
  static async open(name: string, fd: number, spillPath: string): Promise<StreamedInput> {
    let spill: FileHandle;
    try {
      spill = await open(spillPath, 'w+');
    } catch (error) {
      throw ioError(spillPath, error, 'create');
    }
    return new StreamedInput(name, fd, spill, spillPath);
  }

  get size(): number {
    return this.ended ? this.head : Number.MAX_SAFE_INTEGER;
  }

  get sizeKnown(): boolean {
    return this.ended;
  }

  /** Bytes kept in the spill file, readable again in any order. */
  get spilledBytes(): number {
    return this.retained;
  }

  /** From now on bytes are only passed on, not kept: reads must come in order. */
  stopRetaining(): void {
    this.retaining = false;
  }

  read(offset: number, length: number, what: string, into?: Uint8Array): Promise<Uint8Array> {
    return this.serialized(async () => {
      const buffer = into ?? new Uint8Array(length);
      await this.fill(buffer.subarray(0, length), offset, what);
      return buffer.subarray(0, length);
    });
  }

  readv(buffers: Uint8Array[], offset: number): Promise<number> {
    return this.serialized(async () => {
      let at = offset;
      for (const b of buffers) {
        await this.fill(b, at, 'parameter data');
        at += b.length;
      }
      return at - offset;
    });
  }

  available(end: number): Promise<number> {
    return this.serialized(async () => {
      while (!this.ended && this.head < end) await this.take(Math.min(SKIP_BYTES, end - this.head), undefined);
      return Math.min(end, this.head);
    });
  }

  /** Reads the rest of the stream, keeping it if retaining; returns the stream's size. */
  drain(): Promise<number> {
    return this.serialized(async () => {
      if (this.retaining && !this.ended) await this.pumpRest();
      while (!this.ended) await this.take(SKIP_BYTES, undefined);
      return this.head;
    });
  }

  /** Keeps the rest of the stream in the spill, copied on a thread of its own (at about `cat`'s pace). */
  private async pumpRest(): Promise<void> {
    await this.spillWritten();
    let copied: number;
    try {
      copied = await pumpToFile(this.streamFd, this.spill.fd, this.head);
    } catch (failure) {
      const { done, stage, error } = failure as PumpFailure;
      this.head += done;
      throw stage === 'read' ? ioError(this.path, error, 'read') : ioError(this.spillPath, error, 'write');
    }
    this.head += copied;
    this.retained = this.head;
    this.ended = true;
  }

  /** One stream serves every reader: it stays open, and its spill file, until the process ends. */
  async close(): Promise<void> {}

  /** The spill file's descriptor, open for as long as the stream. */
  get spillFd(): number {
    return this.spill.fd;
  }

  /** Lets the spill file go, for an owner done with the stream before the process ends. */
  async dispose(): Promise<void> {
    await this.spillWritten();
    await this.spill.close();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      try {
        return await work();
      } finally {
        // Every kept byte is in the spill before the next read may look there.
        await this.spillWritten();
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Fills `buffer` with the bytes at `offset`: kept ones from the spill, the rest from the stream. */
  private async fill(buffer: Uint8Array, offset: number, what: string): Promise<void> {
    const end = offset + buffer.length;
    let done = 0;
    if (offset < this.retained) {
      await this.spillWritten();
      done = Math.min(buffer.length, this.retained - offset);
      await this.readSpill(buffer.subarray(0, done), offset);
    }
    if (done === buffer.length) return;
    const from = offset + done;
    if (from < this.head) {
      throw new FormatError(this.path, from, `${what} lies before the ${this.head} bytes already passed; a stream is read once, in order`);
    }
    while (this.head < from && !this.ended) await this.take(Math.min(SKIP_BYTES, from - this.head), undefined);
    while (this.head < end && !this.ended) await this.take(end - this.head, buffer.subarray(this.head - offset));
    if (this.head < end) {
      throw new FormatError(this.path, this.head, `stream ended while reading ${what} (${buffer.length} bytes at ${offset}): it holds ${this.head} bytes`);
    }
  }

  /** One read from the stream of at most `length` bytes into `into` (or a skip buffer); keeps them if retaining. */
  private async take(length: number, into: Uint8Array | undefined): Promise<void> {
    const slot = this.nextSkip;
    let target: Uint8Array;
    if (into) target = into.subarray(0, length);
    else {
      // The buffer's last spill write must be done before it is read into again.
      await this.skipWrites[slot];
      this.nextSkip = (slot + 1) % SKIP_BUFFERS;
      // Lined up with the stream position: a pipe's pages hold a page-sized writer's bytes from page starts, and the spill file's pages too.
      target = this.skipBuffers[slot]!.at(this.head).subarray(0, Math.min(length, SKIP_BYTES));
    }
    const n = await this.readStream(target);
    if (n === 0) {
      this.ended = true;
      return;
    }
    if (this.retaining) {
      const written = this.writeSpill(target.subarray(0, n), this.head);
      if (into) this.ownWrites.push(written);
      else this.skipWrites[slot] = written;
      this.retained = this.head + n;
    }
    this.head += n;
  }

  private writeSpill(bytes: Uint8Array, at: number): Promise<void> {
    const written = writeFully(this.spill, [bytes], at).catch((error: unknown) => {
      throw ioError(this.spillPath, error, 'write');
    });
    // Awaited later; a failure must not count as unhandled in between.
    written.catch(() => undefined);
    return written;
  }

  private async spillWritten(): Promise<void> {
    const own = this.ownWrites;
    this.ownWrites = [];
    await Promise.all([...own, ...this.skipWrites]);
  }

  private async readStream(target: Uint8Array): Promise<number> {
    for (;;) {
      try {
        const { bytesRead } = await readFd(this.streamFd, target, 0, target.length, null);
        failpoint('read', bytesRead);
        return bytesRead;
      } catch (error) {
        // A stream another process left non-blocking: wait for bytes rather than fail.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') await new Promise((resolve) => setTimeout(resolve, 1));
        else throw ioError(this.path, error, 'read');
      }
    }
  }

  private async readSpill(buffer: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < buffer.length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.spill.read(buffer, done, buffer.length - done, offset + done));
      } catch (error) {
        throw ioError(this.spillPath, error, 'read');
      }
      if (bytesRead === 0) throw ioError(this.spillPath, new Error('the file shrank'), 'read');
      done += bytesRead;
    }
  }
}
