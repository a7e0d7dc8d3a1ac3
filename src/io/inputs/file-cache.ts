import { RandomAccessFile } from './random-access-file.js';
import type { ReadableFile } from './readable-file.js';
import { STANDARD_INPUT, StandardInput } from '../standard-input/standard-input.js';

/**
 * The inputs of one command or job: each source file opened once and all
 * closed together, and standard input with its state (made per command or
 * job, so two in one process never share it). Readers, writers and the
 * device loader of one job take the same one.
 */
export class FileCache {
  private readonly files = new Map<string, Promise<ReadableFile>>();
  readonly standardInput = new StandardInput();

  get(path: string): Promise<ReadableFile> {
    let file = this.files.get(path);
    if (!file) {
      file = path === STANDARD_INPUT ? this.standardInput.open() : RandomAccessFile.open(path);
      this.files.set(path, file);
    }
    return file;
  }

  /** Checks standard input, if it was read, once the copy is done: see StandardInput.finish. */
  finishInputs(): Promise<void> {
    return this.standardInput.finish();
  }

  async closeAll(): Promise<void> {
    const opened = await Promise.allSettled(this.files.values());
    this.files.clear();
    await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}

/** Runs `work` with the inputs of one command or job, closed when it is done. */
export async function withInputs<T>(work: (inputs: FileCache) => Promise<T>): Promise<T> {
  const inputs = new FileCache();
  try {
    return await work(inputs);
  } finally {
    await inputs.closeAll();
  }
}

/** The given inputs, or fresh ones that `done` closes. */
export function inputsOf(options: { inputs?: FileCache }): { files: FileCache; done: () => Promise<void> } {
  if (options.inputs) return { files: options.inputs, done: async () => undefined };
  const files = new FileCache();
  return { files, done: () => files.closeAll() };
}
