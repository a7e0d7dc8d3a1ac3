import test from 'ava';
import type { FileHandle } from 'node:fs/promises';
import { writeFully } from '../src/io/os/write-fully.js';

/** A handle whose vectored writes take at most `most` bytes a call, into `file`. */
function shortWriter(file: Uint8Array, most: number): { handle: FileHandle; calls: number } {
  const state = { calls: 0, handle: undefined as unknown as FileHandle };
  state.handle = {
    async writev(buffers: Uint8Array[], position: number) {
      ++state.calls;
      let written = 0;
      for (const b of buffers) {
        const n = Math.min(b.length, most - written);
        file.set(b.subarray(0, n), position + written);
        written += n;
      }
      return { bytesWritten: written, buffers };
    },
  } as unknown as FileHandle;
  return state;
}

test('a vectored write goes on after short writes until every byte is down, empty buffers and all', async (t) => {
  const file = new Uint8Array(40);
  const writer = shortWriter(file, 7);
  const buffers = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.from({ length: 10 }, (_, i) => 10 + i), new Uint8Array(0), Uint8Array.of(30, 31, 32, 33, 34)];
  await writeFully(writer.handle, buffers, 5);
  t.deepEqual([...file.subarray(5, 23)], [1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 30, 31, 32, 33, 34]);
  t.is(writer.calls, 3, '18 bytes, 7 at a time');
  t.is(buffers[0]!.length, 3, "the caller's list is left as it was");
});

test('a write that takes nothing fails rather than spinning', async (t) => {
  const writer = shortWriter(new Uint8Array(8), 0);
  await t.throwsAsync(writeFully(writer.handle, [Uint8Array.of(1)], 0), { code: 'EIO' });
});
