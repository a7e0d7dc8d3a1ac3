import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../src/io/outputs/atomic-output.js';
import { FileCache } from '../src/io/inputs/file-cache.js';
import { punchHole } from '../src/io/os/punch-hole.js';
import type { ReadableFile } from '../src/io/inputs/readable-file.js';
import { SpillFile } from '../src/io/standard-input/spill-file.js';
import { openSource } from '../src/sources/open.js';
import { writeIrpa } from '../src/sinks/irpa-writer.js';
import { Fence, fenced } from '../src/scheduler/fence.js';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import { planCopies, type CopyPiece } from '../src/scheduler/plan.js';
import { ReleaseBehind } from '../src/scheduler/release-behind.js';
import { TimelineSemaphore } from '../src/scheduler/semaphore.js';
import { prng } from './helpers/irpa-bytes.js';
import { inTempDir, inTempDirWithFiles } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

test('a timeline semaphore releases waiters as it advances and fails them all', async (t) => {
  const s = new TimelineSemaphore();
  const order: number[] = [];
  const waits = [3, 1, 2].map((v) => s.wait(v).then(() => order.push(v)));
  s.signal(1);
  await Promise.resolve();
  s.signal(3);
  await Promise.all(waits);
  t.deepEqual(order, [1, 3, 2], '1 on the first signal, 3 and 2 on the second');
  t.throws(() => s.signal(2), { message: /cannot signal 2, already at 3/ });
  const pending = s.wait(10);
  s.fail(new Error('device lost'));
  await t.throwsAsync(pending, { message: 'device lost' });
  await t.throwsAsync(s.wait(1), { message: 'device lost' }, 'future waiters see the failure too');
});

test('a fence waits on all its points; an op with no work still orders wait before signal', async (t) => {
  const a = Fence.create('a');
  const b = Fence.create('b');
  const done = Fence.create('done');
  let ran = false;
  const op = fenced(Fence.join(a, b), done, async () => {
    ran = true;
  });
  a.signal();
  await new Promise((r) => setTimeout(r, 5));
  t.false(ran);
  b.signal();
  await op;
  t.true(ran);
  await done.wait();
  const failed = Fence.create();
  const after = Fence.create();
  failed.fail(new Error('read failed'));
  await t.throwsAsync(fenced(failed, after, async () => t.fail('must not run')), { message: 'read failed' });
  await t.throwsAsync(after.wait(), { message: 'read failed' });
});

test('thousands of gathers with random fences finish in an order that honours every fence, byte-exact', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const data = randomBytes(1 << 20);
    const path = join(dir, 'data.bin');
    await writeFile(path, data);
    const scheduler = new IoScheduler({ concurrency: 8 });
    const rand = prng(42);
    const N = 3000;
    const fences = Array.from({ length: N }, (_, i) => Fence.create(`op${i}`));
    const deps = Array.from({ length: N }, (_, i) => Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * i)).filter((d) => d < i));
    const finished: number[] = [];
    const out = Buffer.alloc(N * 64);
    const spans = Array.from({ length: N }, () => Math.floor(rand() * (data.length - 64)));
    // Submit in a shuffled order: only the fences may order them.
    const order = Array.from({ length: N }, (_, i) => i).sort(() => rand() - 0.5);
    await Promise.all(
      order.map((i) =>
        scheduler
          .gather([{ path, offset: spans[i]!, length: 64, into: i * 64 }], out, files, { wait: Fence.join(...deps[i]!.map((d) => fences[d])), signal: fences[i] })
          .then(() => finished.push(i)),
      ),
    );
    const position = new Map(finished.map((op, k) => [op, k]));
    for (let i = 0; i < N; ++i) for (const d of deps[i]!) t.true(position.get(d)! < position.get(i)!, `op ${i} finished before its dependency ${d}`);
    for (let i = 0; i < N; i += 97) t.deepEqual(out.subarray(i * 64, i * 64 + 64), data.subarray(spans[i]!, spans[i]! + 64));
  });
});

test('a failure reaches every dependent operation, and none of them runs', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const path = join(dir, 'small.bin');
    await writeFile(path, randomBytes(100));
    const scheduler = new IoScheduler();
    const buffer = Buffer.alloc(1000);
    const first = Fence.create();
    const second = Fence.create();
    const third = Fence.create();
    const bad = scheduler.gather([{ path, offset: 50, length: 500, into: 0 }], buffer, files, { signal: first });
    const dependent = scheduler.gather([{ path, offset: 0, length: 10, into: 0 }], buffer, files, { wait: first, signal: second });
    const transitive = scheduler.gather([{ path, offset: 0, length: 10, into: 10 }], buffer, files, { wait: second, signal: third });
    await t.throwsAsync(bad, { message: /run past the end of the file/ });
    await t.throwsAsync(dependent, { message: /run past the end of the file/ });
    await t.throwsAsync(transitive, { message: /run past the end of the file/ });
    await t.throwsAsync(third.wait());
    t.true(buffer.every((b) => b === 0), 'dependents never ran');
  });
});

test('the byte budget is never exceeded and buffers are reused, whatever the data size', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const data = randomBytes(12 << 20);
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    const chunk = 256 << 10;
    const scheduler = new IoScheduler({ budgetBytes: 4 * chunk, chunkBytes: chunk, concurrency: 16 });
    const rand = prng(9);
    // Pieces of random sizes, placed with gaps, some fills, all out of order.
    const pieces: CopyPiece[] = [];
    let src = 0;
    let dst = 0;
    while (src < data.length) {
      const length = Math.min(data.length - src, 1 + Math.floor(rand() * 700_000));
      pieces.push({ target: dst, length, source: { kind: 'file', path: source, offset: src } });
      src += length;
      dst += length + Math.floor(rand() * 3) * 100;
      if (rand() < 0.2) {
        pieces.push({ target: dst, length: 4000, source: { kind: 'fill', pattern: Uint8Array.of(1, 2, 3) } });
        dst += 4000;
      }
    }
    const target = join(dir, 'target.bin');
    await writeAtomically(target, (out) => scheduler.copyToFile(pieces.reverse(), out, files));
    t.true(scheduler.budget.peak <= 4 * chunk, `peak ${scheduler.budget.peak}`);
    t.true(scheduler.buffersAllocated <= 16);
    const written = await readFile(target);
    for (const p of pieces) {
      const got = written.subarray(p.target, p.target + p.length);
      if (p.source.kind === 'file') t.true(got.equals(data.subarray(p.source.offset, p.source.offset + p.length)));
      else t.true(got.every((b, i) => b === [1, 2, 3][i % 3]));
    }
  });
});

test('thousands of small parameters are served by a handful of reads and writes', (t) => {
  const pieces: CopyPiece[] = Array.from({ length: 10_000 }, (_, i) => ({
    target: 4096 + i * 1088, // 1 KiB each, placed at 64-byte multiples as an archive would
    length: 1024 + (i % 2) * 32,
    source: { kind: 'file', path: 'model.safetensors', offset: 100 + i * 1056 },
  }));
  const jobs = planCopies([pieces], { chunkBytes: 8 << 20, kernelCopyMinBytes: Infinity, kernelChunkBytes: 64 << 20, maxGapBytes: 65536, targetIsZeroed: true });
  t.is(jobs.length, 2, 'two 8 MiB reads cover 10 MiB of source');
  const streamed = pieces.map((p) => ({ ...p, source: { ...p.source, path: '<stdin>' } }));
  const options = { chunkBytes: 8 << 20, kernelCopyMinBytes: Infinity, kernelChunkBytes: 64 << 20, maxGapBytes: 65536, targetIsZeroed: true };
  t.is(planCopies([streamed], { ...options, sourceChunkBytes: new Map([['<stdin>', 1 << 20]]) }).length, 11, 'a stream asks for 1 MiB reads');
  const places = jobs.flatMap((j) => (j.kind === 'read' ? j.places : []));
  t.is(places.reduce((n, p) => n + p.length, 0), pieces.reduce((n, p) => n + p.length, 0));
  t.true(places.length <= 10_001, 'at most one piece split at the read boundary');
});

test('a range several targets need is read once and placed in each', (t) => {
  const piece = (target: number, offset: number, length: number): CopyPiece => ({ target, length, source: { kind: 'file', path: 'model.irpa', offset } });
  const full = [piece(64, 1000, 20 << 20), piece((20 << 20) + 64, 1000 + (20 << 20), 4096)];
  const shard = [piece(128, 1000 + (20 << 20), 4096)];
  const jobs = planCopies([full, shard, [piece(4096, 1000, 20 << 20)]], { chunkBytes: 8 << 20, kernelCopyMinBytes: 4 << 20, kernelChunkBytes: 64 << 20, maxGapBytes: 65536, targetIsZeroed: true });
  t.true(jobs.every((j) => j.kind === 'read'), 'a shared range is never a kernel copy: that would read it twice');
  const reads = jobs as Extract<(typeof jobs)[number], { kind: 'read' }>[];
  t.is(reads.reduce((n, j) => n + j.length, 0), (20 << 20) + 4096, 'every source byte read once');
  for (const file of [0, 1, 2]) {
    const placed = reads.flatMap((j) => j.places.filter((p) => p.file === file)).reduce((n, p) => n + p.length, 0);
    t.is(placed, [(20 << 20) + 4096, 4096, 20 << 20][file]);
  }
});

test('huge file ranges become bounded kernel copies; zero fills on a zeroed target take no job', (t) => {
  const jobs = planCopies(
    [
      [
        { target: 0, length: 200 << 20, source: { kind: 'file', path: 'a', offset: 0 } },
        { target: 300 << 20, length: 50 << 20, source: { kind: 'fill', pattern: Uint8Array.of(0) } },
      ],
    ],
    { chunkBytes: 8 << 20, kernelCopyMinBytes: 4 << 20, kernelChunkBytes: 64 << 20, maxGapBytes: 65536, targetIsZeroed: true },
  );
  t.deepEqual(jobs.map((j) => [j.kind, j.length]), [['kernel', 64 << 20], ['kernel', 64 << 20], ['kernel', 64 << 20], ['kernel', 8 << 20]]);
});

test('kernel copies, where the OS has them, give the same bytes', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const data = randomBytes(20 << 20);
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    const target = join(dir, 'target.bin');
    const scheduler = new IoScheduler({ kernelCopy: true });
    await writeAtomically(target, async (out) => {
      await out.truncate(data.length + 4096);
      await scheduler.copyToFile([{ target: 4096, length: data.length, source: { kind: 'file', path: source, offset: 0 } }], out, files, { targetIsZeroed: true });
    });
    t.true((await readFile(target)).subarray(4096).equals(data));
  });
});

test('an input that shrinks during a conversion fails it and leaves no output behind', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile([{ name: 'a', dtype: 'U8', shape: [1 << 20], payload: randomBytes(1 << 20) }, { name: 'b', dtype: 'U8', shape: [1 << 20], payload: randomBytes(1 << 20) }]));
    const source = await openSource(input);
    await truncate(input, 1 << 20); // shrinks after it was indexed
    const output = join(dir, 'out.irpa');
    await t.throwsAsync(writeIrpa(output, source.parameters), { message: /in\.safetensors: at byte \d+: .*(past the end|shrink)/ });
    t.false(existsSync(output));
    t.deepEqual((await readdir(dir)).sort(), ['in.safetensors']);
  });
});

test('an output flushed in the background as it grows holds exactly what was written', (t) =>
  inTempDir(async (dir) => {
    const path = join(dir, 'out.bin');
    const data = randomBytes(80 * 2 ** 20);
    // 5 MiB writes, out of order and in parallel: the 32 MiB writeback threshold is crossed twice.
    const chunk = 5 * 2 ** 20;
    const starts = Array.from({ length: data.length / chunk }, (_, i) => i * chunk).reverse();
    await writeAtomically(path, (out) => Promise.all(starts.map((at) => out.write(data.subarray(at, at + chunk), at))));
    t.true((await readFile(path)).equals(data));
    t.deepEqual(await readdir(dir), ['out.bin'], 'no temporary file is left');
  }));

test('the read-for-good mark moves only over finished jobs, whatever order they finish in', (t) => {
  const job = (offset: number, length: number) => ({ job: { offset }, path: 'a', offset, length });
  // Overlapping jobs: the second starts inside the first.
  const reads = [job(0, 10), job(5, 10), job(20, 10), { ...job(0, 4), path: 'b' }];
  const behind = new ReleaseBehind(reads);
  t.is(behind.finish(reads[2]!.job), undefined, 'a later job done first moves nothing');
  t.deepEqual(behind.finish(reads[0]!.job), { path: 'a', offset: 0, length: 5 }, 'up to the start of the job still reading');
  t.deepEqual(behind.finish(reads[1]!.job), { path: 'a', offset: 5, length: 25 }, 'all done: up to the furthest end');
  t.deepEqual(behind.finish(reads[3]!.job), { path: 'b', offset: 0, length: 4 });
  t.is(behind.finish({}), undefined);
});

test('a spill read by a last copy gives its space back as the copy passes, and refuses to be read again', async (t) => {
  await inTempDir(async (dir) => {
    const data = randomBytes(8 << 20);
    const path = join(dir, 'spill');
    await writeFile(path, data);
    const spill = await SpillFile.open(path, '<stdin>');
    class SpillCache extends FileCache {
      override get(): Promise<ReadableFile> {
        return Promise.resolve(spill);
      }
    }
    const rand = prng(3);
    const pieces: CopyPiece[] = [];
    for (let at = 0; at < data.length; at += 100_000) {
      pieces.push({ target: at + pieces.length * 64, length: Math.min(100_000, data.length - at), source: { kind: 'file', path: '<stdin>', offset: at } });
    }
    pieces.sort(() => rand() - 0.5);
    const scheduler = new IoScheduler({ chunkBytes: 256 << 10, concurrency: 4 });
    try {
      await writeAtomically(join(dir, 'out'), (out) => scheduler.copyToFile(pieces, out, new SpillCache(), { releaseSources: true }));
      const written = await readFile(join(dir, 'out'));
      t.true(pieces.every((p) => written.subarray(p.target, p.target + p.length).equals(data.subarray(p.source.kind === 'file' ? p.source.offset : 0).subarray(0, p.length))));
      const error = await t.throwsAsync(spill.read(1000, 10, 'a tensor'));
      t.regex(error!.message, /<stdin>: at byte 1000: these bytes were copied and given back already/);
      // Where the filesystem can punch holes, the spill holds (nearly) no blocks any more.
      await writeFile(join(dir, 'probe'), new Uint8Array(1 << 16));
      const probe = await open(join(dir, 'probe'), 'r+');
      const punches = await punchHole(probe.fd, 0, 1 << 16).finally(() => probe.close());
      if (punches) t.true((await stat(path)).blocks * 512 < 1 << 20, `${(await stat(path)).blocks} blocks left`);
      else t.log('this filesystem cannot punch holes; the space is given back when the spill is removed');
    } finally {
      await spill.close();
    }
  });
});

test('planning a parameter of 300 GiB, or 1 GiB in 4 KiB jobs, is iterative: no stack overflow, bounded time', (t) => {
  const options = { chunkBytes: 2 * 2 ** 20, kernelCopyMinBytes: Infinity, kernelChunkBytes: 64 * 2 ** 20, maxGapBytes: 65536, targetIsZeroed: true };
  const huge = { target: 4096, length: 300 * 2 ** 30, source: { kind: 'file' as const, path: 'model.safetensors', offset: 64 } };
  const started = performance.now();
  t.is(planCopies([[huge]], options).length, (300 * 2 ** 30) / (2 * 2 ** 20));
  const small = { ...huge, length: 2 ** 30 };
  t.is(planCopies([[small]], { ...options, chunkBytes: 4096 }).length, 2 ** 30 / 4096);
  // An external entry of 2^38 bytes, with kernel copies on.
  t.is(planCopies([[{ ...huge, length: 2 ** 38 }]], { ...options, kernelCopyMinBytes: 4 * 2 ** 20 }).length, 2 ** 38 / (64 * 2 ** 20));
  t.true(performance.now() - started < 10_000, `${performance.now() - started} ms`);
});
