import type { FileHandle } from 'node:fs/promises';
import { failpoint } from './failpoints.js';

/**
 * Writes `buffers` back to back from `position` with vectored writes, going
 * on after a short write until every byte is down. Errors are the caller's
 * to name.
 */
export async function writeFully(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  failpoint('write', total);
  // A job's write takes hundreds of buffers: the list is copied only after a short write.
  let rest = buffers;
  let at = position;
  while (total > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    // A regular file takes at least a byte, or fails with the reason.
    if (bytesWritten <= 0) throw Object.assign(new Error('the write took no bytes'), { code: 'EIO' });
    at += bytesWritten;
    total -= bytesWritten;
    if (total === 0) break;
    // Drop what went; go on from there.
    let skip = bytesWritten;
    let first = 0;
    while (skip >= rest[first]!.length) skip -= rest[first++]!.length;
    rest = [rest[first]!.subarray(skip), ...rest.slice(first + 1)];
  }
}
