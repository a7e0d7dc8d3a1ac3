import { createRequire } from 'node:module';

/**
 * Linux `copy_file_range(2)` through koffi (an FFI package with prebuilt
 * binaries): the kernel moves bytes between files without copying them
 * through this process. Each call runs on libuv's thread pool. Absent on other
 * systems, or if koffi cannot load: callers fall back to reads and writes.
 */
type AsyncCall = (fdIn: number, offIn: [number], fdOut: number, offOut: [number], len: number, flags: number, done: (err: unknown, result: number | bigint) => void) => void;

let binding: { async: AsyncCall } | null | undefined;

function load(): { async: AsyncCall } | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    binding = libc.func('int64_t copy_file_range(int fd_in, _Inout_ int64_t *off_in, int fd_out, _Inout_ int64_t *off_out, size_t len, unsigned int flags)');
  } catch {
    binding = null;
  }
  return binding ?? null;
}

export function kernelCopyAvailable(): boolean {
  return load() !== null;
}

/** One call: copies up to `length` bytes; returns how many (0 at the source's end, negative on error). */
export function copyFileRange(fdIn: number, offsetIn: number, fdOut: number, offsetOut: number, length: number): Promise<number> {
  const fn = load();
  if (!fn) return Promise.resolve(-1);
  return new Promise((resolve, reject) =>
    fn.async(fdIn, [offsetIn], fdOut, [offsetOut], length, 0, (error, result) => (error ? reject(error) : resolve(Number(result)))),
  );
}
