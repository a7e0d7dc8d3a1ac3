import test from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParameterProvider } from '../src/provider/parameter-provider.js';
import { Fence } from '../src/scheduler/fence.js';
import { writeIrpa } from '../src/sinks/irpa-writer.js';
import { declaredParameters } from '../src/sources/declared.js';
import { inTempDir, repoRoot } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

/** A provider over one file, closed afterwards. */
async function withProvider<T>(path: string, writable: boolean, fn: (provider: ParameterProvider) => Promise<T>): Promise<T> {
  const provider = await ParameterProvider.open([{ path, scope: 'model' }], { writable });
  try {
    return await fn(provider);
  } finally {
    await provider.close();
  }
}

/** An IRPA archive with real storage for three parameters and one splat. */
async function trainable(dir: string): Promise<string> {
  const path = join(dir, 'weights.irpa');
  await writeIrpa(path, declaredParameters({ data: ['w=256xf32=0.5', 'b=16xf32', 'h=64xi8=3'], splat: ['s=32xi16=7'] }));
  return path;
}

test('a gather of 10,000 parameters into one buffer is byte-exact and takes a handful of reads', async (t) => {
  await inTempDir(async (dir) => {
    const tensors = Array.from({ length: 10_000 }, (_, i) => ({ name: `p${i}`, dtype: 'U8', shape: [100 + (i % 7)], payload: randomBytes(100 + (i % 7)) }));
    const path = join(dir, 'many.safetensors');
    await writeFile(path, safetensorsFile(tensors));
    await withProvider(path, false, async (provider) => {
      const total = tensors.reduce((n, x) => n + x.payload.length, 0);
      const buffer = new Uint8Array(total);
      let at = 0;
      // In reverse order, to show placement follows the spans, not the file.
      const spans = tensors.map((x) => ({ key: x.name, into: (at += x.payload.length) - x.payload.length })).reverse();
      await provider.gather('model', spans, buffer);
      at = 0;
      for (const x of tensors) {
        t.true(Buffer.from(buffer.subarray(at, at + x.payload.length)).equals(x.payload), x.name);
        at += x.payload.length;
      }
      t.true(provider.scheduler.calls.reads <= 30, `${provider.scheduler.calls.reads} reads for 10,000 parameters`);
    });
  });
});

test('spans read parts of parameters; splats read as their pattern without a file read', async (t) => {
  await inTempDir(async (dir) => {
    await withProvider(await trainable(dir), false, async (provider) => {
      const [w, s] = await provider.load('model', ['w', 's']);
      t.deepEqual([...new Float32Array(w!.slice().buffer)].slice(0, 2), [0.5, 0.5]);
      t.deepEqual([...new Int16Array(s!.slice().buffer)], Array(32).fill(7));
      const part = new Uint8Array(6);
      // Three bytes from an odd offset of the splat: the pattern stays in phase.
      await provider.read('model', { key: 's', offset: 1, length: 3, into: 0 }, part);
      await provider.read('model', { key: 'h', offset: 60, length: 3, into: 3 }, part);
      t.deepEqual([...part], [0, 7, 0, 3, 3, 3]);
      const reads = provider.scheduler.calls.reads;
      await provider.read('model', { key: 's', into: 0, length: 6 }, part);
      t.is(provider.scheduler.calls.reads, reads, 'a splat is never read from disk');
    });
  });
});

test('fences order a scatter after a gather of the same keys, and the writes land in place', async (t) => {
  await inTempDir(async (dir) => {
    const path = await trainable(dir);
    const before = await readFile(path);
    await withProvider(path, true, async (provider) => {
      const gathered = Fence.create('gathered');
      const scattered = Fence.create('scattered');
      const old = new Uint8Array(16 * 4);
      const update = new Uint8Array(16 * 4).fill(9);
      // Issued first, but waits for the gather.
      const write = provider.scatter('model', update, [{ key: 'b', from: 0 }], { wait: gathered, signal: scattered });
      const read = provider.gather('model', [{ key: 'b', into: 0 }], old, { signal: gathered });
      await Promise.all([write, read, scattered.wait()]);
      t.true(old.every((x) => x === 0), 'the gather saw the bytes before the scatter');
      await provider.flush();
    });
    const after = await readFile(path);
    t.is(after.length, before.length, 'the layout never changes');
    await withProvider(path, false, async (provider) => {
      const [b] = await provider.load('model', ['b']);
      t.true(b!.every((x) => x === 9));
    });
  });
});

test('an error fails the signal fence and every operation waiting on it; none of their work runs', async (t) => {
  await inTempDir(async (dir) => {
    await withProvider(await trainable(dir), false, async (provider) => {
      const first = Fence.create('first');
      const second = Fence.create('second');
      const buffer = new Uint8Array(4096);
      const bad = provider.gather('model', [{ key: 'w', offset: 1000, length: 100, into: 0 }], buffer, { signal: first });
      const dependent = provider.gather('model', [{ key: 'h', into: 0 }], buffer, { wait: first, signal: second });
      const transitive = provider.load('model', ['w'], { wait: second });
      await t.throwsAsync(bad, { message: /bytes 1000 to 1100 are out of range of parameter 'model::w' \(1024 bytes\)/ });
      await t.throwsAsync(dependent, { message: /out of range/ });
      await t.throwsAsync(transitive, { message: /out of range/ });
      t.true(buffer.every((x) => x === 0), 'nothing was read into the buffer');
    });
  });
});

test('an operation with no work still waits on its fence before signalling', async (t) => {
  await inTempDir(async (dir) => {
    await withProvider(await trainable(dir), false, async (provider) => {
      const before = Fence.create('before');
      const after = Fence.create('after');
      let signalled = false;
      const empty = provider.gather('model', [], new Uint8Array(0), { wait: before, signal: after });
      void after.wait().then(() => (signalled = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      t.false(signalled, 'not before its wait fence');
      before.signal();
      await empty;
      await after.wait();
      t.true(signalled);
    });
  });
});

test('writes are refused into splats, past a parameter, into a read-only provider, and for unknown keys', async (t) => {
  await inTempDir(async (dir) => {
    const path = await trainable(dir);
    const before = await readFile(path);
    const bytes = new Uint8Array(64);
    await withProvider(path, false, async (provider) => {
      await t.throwsAsync(provider.write('model', { key: 'b', from: 0 }, bytes), { message: /opened read-only/ });
    });
    await withProvider(path, true, async (provider) => {
      await t.throwsAsync(provider.write('model', { key: 's', from: 0 }, bytes), { message: /'model::s' is a splat/ });
      await t.throwsAsync(provider.write('model', { key: 'b', offset: 60, length: 8, from: 0 }, bytes), { message: /bytes 60 to 68 are out of range/ });
      await t.throwsAsync(provider.write('model', { key: 'b', from: 32 }, bytes), { message: /do not fit a buffer of 64 bytes/ });
      await t.throwsAsync(provider.write('model', { key: 'nope', from: 0 }, bytes), { message: /no parameter 'model::nope'/ });
      await t.throwsAsync(provider.load('other', ['b']), { message: /no scope 'other'/ });
    });
    t.true((await readFile(path)).equals(before), 'the archive is unchanged');
  });
});

test('the training-loop example runs and verifies its own writes', (t) => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'examples/training-loop.mjs')], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /step 3: .* verified/);
});
