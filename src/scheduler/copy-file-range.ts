import { callAsync, libcFunction, type AsyncFunction } from '../io/os/libc.js';

/**
 * Linux `copy_file_range(2)`: the kernel moves bytes between files without
 * copying them through this process. Absent on other systems: callers fall
 * back to reads and writes.
 */
let binding: AsyncFunction | null | undefined;

function load(): AsyncFunction | null {
  binding ??= libcFunction('int64_t copy_file_range(int fd_in, _Inout_ int64_t *off_in, int fd_out, _Inout_ int64_t *off_out, size_t len, unsigned int flags)');
  return binding;
}

export function kernelCopyAvailable(): boolean {
  return load() !== null;
}

/** One call: copies up to `length` bytes; returns how many (0 at the source's end, negative on error). */
export function copyFileRange(fdIn: number, offsetIn: number, fdOut: number, offsetOut: number, length: number): Promise<number> {
  const fn = load();
  if (!fn) return Promise.resolve(-1);
  return callAsync(fn, fdIn, [offsetIn], fdOut, [offsetOut], length, 0);
}
