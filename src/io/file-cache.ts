import { openStandardInput, STANDARD_INPUT } from './standard-input.js';
import { RandomAccessFile } from './random-access-file.js';
import type { ReadableFile } from './readable-file.js';

/** Opens each source file once and closes them all together. */
export class FileCache {
  private readonly files = new Map<string, Promise<ReadableFile>>();

  get(path: string): Promise<ReadableFile> {
    let file = this.files.get(path);
    if (!file) {
      file = path === STANDARD_INPUT ? openStandardInput() : RandomAccessFile.open(path);
      this.files.set(path, file);
    }
    return file;
  }

  async closeAll(): Promise<void> {
    const opened = await Promise.allSettled(this.files.values());
    this.files.clear();
    await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
