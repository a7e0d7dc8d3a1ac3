import { open, type FileHandle } from 'node:fs/promises';
import { ioError } from '../errors.js';
import { writeFully } from '../io/os/write-fully.js';
import type { WritableTarget } from '../scheduler/io-scheduler.js';

/** A file opened for positioned writes in place (never resized). */
class InPlaceFile implements WritableTarget {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  get fd(): number {
    return this.handle.fd;
  }

  async write(bytes: Uint8Array, position: number): Promise<void> {
    await this.writev([bytes], position);
  }

  async writev(buffers: Uint8Array[], position: number): Promise<void> {
    try {
      await writeFully(this.handle, buffers, position);
    } catch (error) {
      throw ioError(this.path, error, 'write');
    }
  }

  async sync(): Promise<void> {
    try {
      await this.handle.sync();
    } catch (error) {
      throw ioError(this.path, error, 'flush');
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Files a provider writes parameters into, each opened once for writing in place. */
export class WritableFiles {
  private readonly files = new Map<string, Promise<InPlaceFile>>();

  get(path: string): Promise<InPlaceFile> {
    let file = this.files.get(path);
    if (!file) {
      file = open(path, 'r+').then(
        (handle) => new InPlaceFile(path, handle),
        (error) => {
          throw ioError(path, error, 'open for writing');
        },
      );
      this.files.set(path, file);
    }
    return file;
  }

  async syncAll(): Promise<void> {
    await Promise.all([...this.files.values()].map(async (f) => (await f).sync()));
  }

  async closeAll(): Promise<void> {
    const opened = await Promise.allSettled(this.files.values());
    this.files.clear();
    await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
