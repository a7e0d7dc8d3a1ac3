import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../src/io/outputs/atomic-output.js';
import { layOutRead } from '../src/scheduler/laid-out-read.js';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import type { CopyPiece, Placement, ReadJob } from '../src/scheduler/plan.js';
import { inTempDirWithFiles } from './helpers/paths.js';

const job = (places: Placement[]): ReadJob => ({ kind: 'read', path: 'model.safetensors', offset: 0, length: 100, places });
const place = (target: number, from: number, length: number, after: number, file = 0): Placement => ({ file, target, from, length, after });

test('a read job is laid out as its target holds it: padding zeroed, source gaps discarded', (t) => {
  const buffer = new Uint8Array(256).fill(0xee);
  const discard = new Uint8Array(64);
  // 10 bytes to 1000; 20 bytes to 1064 (padding to 64); 5 source bytes skipped; 7 bytes right after.
  const laid = layOutRead(job([place(1000, 0, 10, -1), place(1064, 10, 20, 1010), place(1084, 35, 7, 1084)]), buffer, discard, 64)!;
  t.truthy(laid);
  t.is(laid.target, 1000);
  t.is(laid.span, 91);
  t.deepEqual(
    laid.reads.map((b) => [b.buffer === discard.buffer ? 'discard' : b.byteOffset, b.length]),
    [
      [0, 10],
      [64, 20],
      ['discard', 5],
      [84, 7],
    ],
  );
  t.true(buffer.subarray(10, 64).every((b) => b === 0), 'the padding is zeroed, whatever the buffer held');
});

test('a read job of another shape is left to place-by-place writes', (t) => {
  const buffer = new Uint8Array(256);
  const discard = new Uint8Array(64);
  const refused = (places: Placement[], why: string) => t.is(layOutRead(job(places), buffer, discard, 64), undefined, why);
  refused([place(0, 0, 10, -1), place(10, 10, 10, 10, 1)], 'two targets');
  refused([place(0, 0, 10, -1), place(64, 10, 10, 40)], 'another piece lands in the gap');
  refused([place(64, 0, 10, -1), place(0, 10, 10, -1)], 'target order differs from source order');
  refused([place(0, 0, 10, -1), place(100, 0, 10, 10)], 'one source range to two places');
  refused([place(0, 0, 10, -1), place(200, 10, 10, 10)], 'a gap past the most written as zeros');
  refused([place(0, 0, 10, -1), place(20, 100, 10, 10)], 'a source gap past the discard buffer');
  refused([place(0, 0, 200, -1), place(256, 200, 10, 200)], 'a layout larger than the buffer');
  refused([], 'nothing to read');
});

test('laid-out copies through reused buffers give exact bytes, padding zero', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const data = randomBytes(3 << 20);
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    // Parameters of odd sizes, each placed at the next multiple of 64, as an archive lays them out.
    const pieces: CopyPiece[] = [];
    const expected = Buffer.alloc(4 << 20);
    let at = 4096;
    for (let offset = 0, size = 1; offset < data.length; offset += size, size = (size * 7 + 13) % 9000 || 1) {
      const length = Math.min(size, data.length - offset);
      pieces.push({ target: at, length, source: { kind: 'file', path: source, offset } });
      data.copy(expected, at, offset, offset + length);
      at = Math.ceil((at + length) / 64) * 64;
    }
    // Small chunks: every buffer is reused many times, dirty from the job before.
    const scheduler = new IoScheduler({ chunkBytes: 64 << 10, concurrency: 3 });
    const target = join(dir, 'target.bin');
    await writeAtomically(target, async (out) => {
      await out.truncate(expected.length);
      await scheduler.copyToFile(pieces, out, files, { targetIsZeroed: true });
    });
    t.true((await readFile(target)).equals(expected));
    t.true(scheduler.calls.writes <= scheduler.calls.reads + 1, `one write per read (${scheduler.calls.writes} writes, ${scheduler.calls.reads} reads)`);
  });
});
