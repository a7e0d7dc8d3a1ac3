import { readFileSync } from 'node:fs';
import { libcFunction } from './libc.js';

const F_SETPIPE_SZ = 1031;
const WANTED = 1024 * 1024;

/**
 * Asks Linux for a larger pipe buffer on `fd` (1 MiB, or the system's
 * limit if lower): a default pipe hands over 64 KiB per read, which makes a
 * 2 GiB stream 32,768 reads. Returns the new size, or undefined where it
 * cannot be changed (not a pipe, not Linux, no koffi); reads work either way.
 */
export function widenPipe(fd: number): number | undefined {
  const fcntl = libcFunction('int fcntl(int fd, int cmd, ...)') as unknown as ((fd: number, cmd: number, type: string, arg: number) => number) | null;
  if (!fcntl) return undefined;
  let limit = WANTED;
  try {
    limit = Math.min(WANTED, Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8')));
  } catch {
    // Keep the wish; the kernel refuses what it does not allow.
  }
  const size = fcntl(fd, F_SETPIPE_SZ, 'int', limit);
  return size > 0 ? size : undefined;
}
