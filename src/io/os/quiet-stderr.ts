import { closeSync, openSync } from 'node:fs';
import { libcFunction } from './libc.js';

type SyncFunction = (...args: unknown[]) => number;
const sync = (signature: string) => libcFunction(signature) as unknown as SyncFunction | null;

/**
 * Runs `work` with the process's standard error (descriptor 2) pointed at
 * /dev/null: a native library (Dawn, the WebGPU implementation) prints its
 * backend warnings there, which a user did not ask to see. Where the
 * descriptors cannot be moved (no libc through koffi), `work` runs as it is.
 */
export async function withQuietStderr<T>(work: () => Promise<T>): Promise<T> {
  const dup = sync('int dup(int fd)');
  const dup2 = sync('int dup2(int oldfd, int newfd)');
  const close = sync('int close(int fd)');
  if (!dup || !dup2 || !close) return work();
  const saved = dup(2);
  if (saved < 0) return work();
  const devnull = openSync('/dev/null', 'w');
  try {
    dup2(devnull, 2);
    return await work();
  } finally {
    dup2(saved, 2);
    close(saved);
    closeSync(devnull);
  }
}
