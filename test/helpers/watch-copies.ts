import { open, type FileHandle } from 'node:fs/promises';
import { pageOffsetOf } from '../../src/io/os/page-offset.js';

/** FileHandle methods live on a prototype Node does not export; one open handle shows it. */
const HANDLE_PROTOTYPE: FileHandle = await (async () => {
  const handle = await open(process.execPath, 'r');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
})();

/**
 * Reports every positioned read and write through a FileHandle with its shift
 * (destination − source, by address and file offset). It sees the whole
 * process: tests that use it run serially.
 */
export function watchCopies(report: (kind: 'read' | 'write', shift: number, length: number) => void): () => void {
  const handleProto = HANDLE_PROTOTYPE;
  const { readv, writev, read, write } = handleProto;
  const each = (kind: 'read' | 'write', buffers: readonly Uint8Array[], position: number | null | undefined) => {
    if (typeof position !== 'number') return;
    for (const b of buffers) {
      if (b.length === 0) continue;
      const address = pageOffsetOf(b)!;
      report(kind, kind === 'read' ? address - position : position - address, b.length);
      position += b.length;
    }
  };
  handleProto.readv = function (this: FileHandle, buffers: readonly NodeJS.ArrayBufferView[], position?: number | null) {
    each('read', buffers as Uint8Array[], position);
    return readv.call(this, buffers, position ?? undefined);
  } as typeof readv;
  handleProto.writev = function (this: FileHandle, buffers: readonly NodeJS.ArrayBufferView[], position?: number) {
    each('write', buffers as Uint8Array[], position);
    return writev.call(this, buffers, position);
  } as typeof writev;
  handleProto.read = function (this: FileHandle, ...args: unknown[]) {
    const [buffer, offset = 0, length, position] = args as [Uint8Array, number?, number?, number?];
    if (buffer instanceof Uint8Array) each('read', [buffer.subarray(offset, offset + (length ?? buffer.length - offset))], position);
    return (read as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof read;
  handleProto.write = function (this: FileHandle, ...args: unknown[]) {
    const [buffer, offset = 0, length, position] = args as [Uint8Array, number?, number?, number?];
    if (buffer instanceof Uint8Array) each('write', [buffer.subarray(offset, offset + (length ?? buffer.length - offset))], position);
    return (write as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof write;
  return () => Object.assign(handleProto, { readv, writev, read, write });
}
