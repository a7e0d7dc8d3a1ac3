import { callAsync, libcFunction, type AsyncFunction } from './libc.js';

const FALLOC_FL_KEEP_SIZE = 1;
const FALLOC_FL_PUNCH_HOLE = 2;

let binding: AsyncFunction | null | undefined;

/**
 * Linux `fallocate(PUNCH_HOLE)`: the file's pages and disk blocks in the
 * range are given back and it reads as zeros there, its size kept. Resolves
 * false where that cannot be done (another system, a filesystem without it):
 * the bytes then simply stay until the file is removed.
 */
export async function punchHole(fd: number, offset: number, length: number): Promise<boolean> {
  binding ??= libcFunction('int fallocate(int fd, int mode, int64_t offset, int64_t len)');
  if (!binding || length <= 0) return false;
  return (await callAsync(binding, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length)) === 0;
}
