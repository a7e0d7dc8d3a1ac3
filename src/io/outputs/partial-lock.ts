import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { callAsync, libcFunction, type AsyncFunction } from '../os/libc.js';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;

let binding: AsyncFunction | null | undefined;
const flock = () => (binding ??= libcFunction('int flock(int fd, int operation)'));

/**
 * Marks a temporary output as being written: an flock(2) lock on the open
 * file (or directory), which the kernel drops when the descriptor is closed
 * or the process dies however it dies. Unlike a process id, it means the
 * same to every process that sees the file: one in another PID namespace (a
 * container sharing the volume) included. False where it cannot be taken
 * (another system, no libc binding, a file system without locks).
 */
export async function lockPartial(fd: number): Promise<boolean> {
  const fn = flock();
  return fn !== null && (await callAsync(fn, fd, LOCK_EX | LOCK_NB).catch(() => -1)) === 0;
}

/**
 * Whether a writer holds the lock on `path`: false when a lock of our own
 * could be taken (so nobody holds one); true when it could not, for any
 * reason (the safe answer: it is then left alone); undefined when locks
 * cannot be asked about here.
 */
export async function partialLocked(path: string): Promise<boolean | undefined> {
  const fn = flock();
  if (!fn) return undefined;
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return true;
  try {
    return (await callAsync(fn, handle.fd, LOCK_SH | LOCK_NB).catch(() => -1)) !== 0;
  } finally {
    await handle.close();
  }
}
