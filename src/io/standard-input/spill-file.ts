import { open, type FileHandle } from 'node:fs/promises';
import { FormatError } from '../../errors.js';
import { punchHole } from '../os/punch-hole.js';
import { RandomAccessFile } from '../inputs/random-access-file.js';
import type { ReadableFile } from '../inputs/readable-file.js';

/**
 * A spill file read as a source (standard input kept on disk) that gives
 * back what a copy has read for good. Without that, a piped 2 GiB tar holds
 * 2 GiB of spill beside 2 GiB of output: past the kernel's dirty limit the
 * spill is written to disk for nothing, and removing it then costs seconds.
 * A read of a range given back is refused, never answered with zeros.
 */
export class SpillFile implements ReadableFile {
  readonly sizeKnown = true;
  /** Ranges given back, in order, adjacent ones merged. */
  private readonly released: { from: number; to: number }[] = [];

  private constructor(
    private readonly file: RandomAccessFile,
    private readonly writer: FileHandle,
  ) {}

  /** Opens the spill at `path`, called `name` in messages. */
  static async open(path: string, name: string): Promise<SpillFile> {
    const file = await RandomAccessFile.open(path, name);
    try {
      return new SpillFile(file, await open(path, 'r+'));
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  get path(): string {
    return this.file.path;
  }

  get size(): number {
    return this.file.size;
  }

  get fd(): number {
    return this.file.fd;
  }

  /** Gives back `length` bytes at `offset`: nothing will read them again. */
  async release(offset: number, length: number): Promise<void> {
    if (length <= 0) return;
    await punchHole(this.writer.fd, offset, length);
    const last = this.released.at(-1);
    if (last && last.to === offset) last.to = offset + length;
    else this.released.push({ from: offset, to: offset + length });
  }

  async read(offset: number, length: number, what: string, into?: Uint8Array): Promise<Uint8Array> {
    this.refuseReleased(offset, length);
    return this.file.read(offset, length, what, into);
  }

  async readv(buffers: Uint8Array[], offset: number): Promise<number> {
    this.refuseReleased(
      offset,
      buffers.reduce((n, b) => n + b.length, 0),
    );
    return this.file.readv(buffers, offset);
  }

  available(end: number): Promise<number> {
    return this.file.available(end);
  }

  async close(): Promise<void> {
    await Promise.all([this.file.close(), this.writer.close()]);
  }

  private refuseReleased(offset: number, length: number): void {
    const gone = this.released.find((r) => offset < r.to && offset + length > r.from);
    if (gone) throw new FormatError(this.path, Math.max(offset, gone.from), 'these bytes were copied and given back already; a stream is read once');
  }
}
