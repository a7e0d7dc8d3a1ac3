import type { FileHandle } from 'node:fs/promises';
import { failpoint } from './failpoints.js';

/**
 * Writes `buffers` back to back from `position` with vectored writes, going
 * on after a short write until every byte is down. Errors are the caller's
 * to name.
 */
export async function writeFully(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  failpoint('write', rest.reduce((n, b) => n + b.length, 0));
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    // Drop what went; go on from there.
    let skip = bytesWritten;
    while (rest.length > 0 && skip >= rest[0]!.length) skip -= rest.shift()!.length;
    if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  }
}
