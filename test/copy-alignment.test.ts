import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../src/io/outputs/atomic-output.js';
import { isSlowShift, PAGE_BYTES, pageOffsetOf, SLOW_SHIFT_BYTES } from '../src/io/os/page-offset.js';
import { BufferPool } from '../src/scheduler/buffer-pool.js';
import { alignmentNudge, readJobNudge } from '../src/scheduler/copy-alignment.js';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import type { CopyPiece } from '../src/scheduler/plan.js';
import { inTempDirWithFiles } from './helpers/paths.js';
import { watchCopies } from './helpers/watch-copies.js';

const addressesKnown = pageOffsetOf(Buffer.alloc(1)) !== undefined;

test('a copy is slow when its destination lies 1 to 31 bytes past its source, modulo a page', (t) => {
  for (const shift of [0, SLOW_SHIFT_BYTES, 64, PAGE_BYTES - 1, -1, PAGE_BYTES, -PAGE_BYTES]) t.false(isSlowShift(shift), `${shift}`);
  for (const shift of [1, 16, SLOW_SHIFT_BYTES - 1, PAGE_BYTES + 5, 5 - PAGE_BYTES, 3 * PAGE_BYTES + 16]) t.true(isSlowShift(shift), `${shift}`);
});

test('a buffer is nudged only when that leaves fewer bytes in the slow window', (t) => {
  const shifts = (...pairs: [number, number][]) => pairs.map(([shift, length]) => ({ shift, length }));
  const nudge = (pieces: { shift: number; length: number }[]) => alignmentNudge(pieces, (p) => p.shift);
  t.is(nudge(shifts([0, 100], [64, 100])), 0, 'nothing slow: left where it is');
  t.is(nudge(shifts([16, 100])), SLOW_SHIFT_BYTES);
  t.is(nudge(shifts([16, 100], [-16, 300])), 0, 'the nudge would slow more bytes than it frees');
  t.is(nudge(shifts([16, 300], [-16, 100])), SLOW_SHIFT_BYTES);
  t.is(nudge([]), 0);
  // A read job's shift is target − source: page-aligned parameters placed 16 bytes on.
  const job = { kind: 'read' as const, path: 'a', offset: 8192, length: 8192, places: [{ file: 0, target: 16, from: 0, length: 8192, after: -1 }] };
  t.is(readJobNudge(job), SLOW_SHIFT_BYTES);
});

test('a pooled buffer hands out views that start where in a page they are asked to', (t) => {
  const pool = new BufferPool(10_000);
  const pooled = pool.take();
  for (const residue of [0, 16, 4095, 4096 + 48, -32, 123_456]) {
    const view = pooled.at(residue);
    t.is(view.length, 10_000);
    if (addressesKnown) t.is(pageOffsetOf(view), ((residue % PAGE_BYTES) + PAGE_BYTES) % PAGE_BYTES);
  }
  pool.give(pooled);
  t.is(pool.take(), pooled, 'reused, not reallocated');
  t.is(pool.allocated, 1);
  if (process.platform === 'linux') t.true(addressesKnown, 'koffi reveals addresses on Linux');
});

test.serial('copies keep every read and write out of the slow window, wherever buffers and parameters sit; bytes exact', async (t) => {
  if (!addressesKnown) return t.pass('addresses cannot be learnt on this system');
  await inTempDirWithFiles(async (dir, files) => {
    // Parameters at every multiple of 16 modulo a page, each placed 16 bytes later in the target:
    // a buffer lined up with either side leaves the other copy 16 bytes off, and wherever the
    // allocator put a buffer, some parameters would sit 1 to 31 bytes from it.
    const count = PAGE_BYTES / 16;
    const stride = 3 * PAGE_BYTES;
    const data = randomBytes(count * stride + PAGE_BYTES);
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    const pieces: CopyPiece[] = [];
    const expected = Buffer.alloc(data.length + 16);
    for (let i = 0; i < count; i++) {
      const offset = i * stride + i * 16;
      pieces.push({ target: offset + 16, length: 2 * PAGE_BYTES, source: { kind: 'file', path: source, offset } });
      data.copy(expected, offset + 16, offset, offset + 2 * PAGE_BYTES);
    }
    const slow: string[] = [];
    const restore = watchCopies((kind, shift, length) => {
      if (isSlowShift(shift)) slow.push(`${kind} of ${length} bytes, shift ${shift % PAGE_BYTES}`);
    });
    const target = join(dir, 'target.bin');
    try {
      // Chunks of one parameter: each job has one shift to stay clear of.
      for (const concurrency of [1, 3]) {
        await writeAtomically(target, async (out) => {
          await out.truncate(expected.length);
          await new IoScheduler({ chunkBytes: 2 * PAGE_BYTES, concurrency }).copyToFile(pieces, out, files, { targetIsZeroed: true });
        });
        t.true((await readFile(target)).equals(expected));
      }
      // Two targets from one read: the place-by-place path.
      await writeAtomically(target, async (out) => {
        await writeAtomically(`${target}.2`, async (out2) => {
          await new IoScheduler({ chunkBytes: 2 * PAGE_BYTES }).copyToFiles(
            [
              { target: out, pieces },
              { target: out2, pieces },
            ],
            files,
          );
        });
      });
      t.true((await readFile(target)).equals(expected.subarray(0, pieces.at(-1)!.target + 2 * PAGE_BYTES)));
    } finally {
      restore();
    }
    t.deepEqual(slow.slice(0, 5), []);
  });
});
