import { createRequire } from 'node:module';

/**
 * Linux libc functions through koffi (an FFI package with prebuilt binaries),
 * for the few system calls Node does not expose. Null on other systems or if
 * koffi cannot load: every caller has a plain fallback.
 */
type Callback = (error: unknown, result: number | bigint) => void;
export type AsyncFunction = { async: (...args: unknown[]) => void };

let libc: { func(signature: string): AsyncFunction } | null | undefined;

export function libcFunction(signature: string): AsyncFunction | null {
  if (libc === undefined) {
    libc = null;
    if (process.platform === 'linux') {
      try {
        libc = createRequire(import.meta.url)('koffi').load('libc.so.6');
      } catch {
        libc = null;
      }
    }
  }
  try {
    return libc?.func(signature) ?? null;
  } catch {
    return null;
  }
}

/** Calls `fn` on libuv's thread pool, resolving with its result as a number. */
export function callAsync(fn: AsyncFunction, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => fn.async(...args, ((error, result) => (error ? reject(error) : resolve(Number(result)))) as Callback));
}
