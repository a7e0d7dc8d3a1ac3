import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { FormatError, IoError, ioError } from '../../errors.js';
import { failpoint } from '../os/failpoints.js';
import type { ReadableFile } from './readable-file.js';

/** The error for a path that is not a regular file: a FIFO is pointed to standard input, where streams are read. */
export function notRegular(name: string, stat: Stats): IoError {
  if (stat.isDirectory()) return ioError(name, { code: 'EISDIR' }, 'read');
  const what = stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : stat.isSocket() ? 'a socket' : 'not a regular file';
  const hint = stat.isFIFO() || stat.isCharacterDevice() ? `; to read a stream, give it as standard input (--parameters=- < ${name})` : '';
  return new IoError(name, `cannot read: ${what}, not a regular file${hint}`);
}

/**
 * A file opened for positioned reads, which knows its name for messages; or
 * a window onto part of one (a tar member), whose offsets start at the
 * window's start.
 */
export class RandomAccessFile implements ReadableFile {
  readonly sizeKnown = true;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
    /** Where offset 0 lies in the underlying file. */
    readonly base = 0,
    private readonly ownsHandle = true,
  ) {}

  /** `size` bytes from `offset` of this file, read as a file of their own; closing it leaves this one open. */
  window(offset: number, size: number): RandomAccessFile {
    return new RandomAccessFile(this.path, this.handle, size, this.base + offset, false);
  }

  /**
   * Opens `path`; `name` is what messages call it (a spilled stream is named
   * for the stream). Opened without blocking, so a FIFO or a device is
   * refused at once rather than waited on forever.
   */
  static async open(path: string, name = path): Promise<RandomAccessFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw ioError(name, error, 'open for reading');
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw notRegular(name, stat);
      return new RandomAccessFile(name, handle, stat.size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Reads exactly `length` bytes at `offset`. The caller has already bounded
   * `length`; a range past the end of the file is a format error for `what`.
   */
  async read(offset: number, length: number, what: string, into?: Uint8Array): Promise<Uint8Array> {
    if (offset + length > this.size) {
      throw new FormatError(this.path, offset, `${what} (${length} bytes) runs past the end of the file (${this.size} bytes)`);
    }
    const buffer = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      let bytesRead: number;
      try {
        failpoint('read', length - done);
        ({ bytesRead } = await this.handle.read(buffer, done, length - done, this.base + offset + done));
      } catch (error) {
        throw ioError(this.path, error, 'read');
      }
      if (bytesRead === 0) {
        throw new FormatError(this.path, offset + done, `file ended while reading ${what} (did it shrink?)`);
      }
      done += bytesRead;
    }
    return buffer.subarray(0, length);
  }

  async available(end: number): Promise<number> {
    return Math.min(end, this.size);
  }

  /** The OS file descriptor, for kernel copies. */
  get fd(): number {
    return this.handle.fd;
  }

  /**
   * One positioned read into several buffers in order (source-adjacent
   * ranges headed for different places). Returns the bytes read.
   */
  async readv(buffers: Uint8Array[], offset: number): Promise<number> {
    try {
      failpoint('read', buffers.reduce((n, b) => n + b.length, 0));
      return (await this.handle.readv(buffers, this.base + offset)).bytesRead;
    } catch (error) {
      throw ioError(this.path, error, 'read');
    }
  }

  async close(): Promise<void> {
    if (this.ownsHandle) await this.handle.close();
  }
}
