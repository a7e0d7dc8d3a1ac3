import test from 'ava';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import { createHash, randomBytes } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from '../src/device/device.js';
import { HostDevice } from '../src/device/host-device.js';
import { openDevice } from '../src/device/open-device.js';
import { FileCache } from '../src/io/inputs/file-cache.js';
import { isSlowShift, PAGE_BYTES, pageOffsetOf } from '../src/io/os/page-offset.js';
import { parameterChunks } from '../src/scheduler/parameter-chunks.js';
import type { Parameter } from '../src/model/parameter.js';
import { DeviceLoad, residentKey } from '../src/sinks/device-loader.js';
import { writeIrpa } from '../src/sinks/irpa-writer.js';
import { declaredParameters } from '../src/sources/declared.js';
import { loadIndex } from '../src/sources/load-index.js';
import { runCli, spawnCli } from './helpers/cli.js';
import { inTempDir, repoRoot } from './helpers/paths.js';
import { safetensorsFile, safetensorsRaw } from './helpers/safetensors-bytes.js';
import { watchCopies } from './helpers/watch-copies.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function sourceHash(p: Parameter, files: FileCache): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of parameterChunks(p, files, new IoScheduler())) hash.update(chunk);
  return hash.digest('hex');
}

/** Three files of every kind: odd lengths, one larger than several staging buffers, splats of each pattern width. */
async function inputs(dir: string): Promise<Parameter[]> {
  const st = join(dir, 'model.safetensors');
  await writeFile(st, safetensorsFile(Array.from({ length: 9 }, (_, i) => ({ name: `t${i}`, dtype: 'U8', shape: [i === 4 ? 50_001 : 1 + i * 333], payload: randomBytes(i === 4 ? 50_001 : 1 + i * 333) }))));
  const irpa = join(dir, 'model.irpa');
  await writeIrpa(irpa, declaredParameters({ data: ['d=3x7xf32=2.5', 'z=17xi8'], splat: ['s1=9xi8=5', 's2=6xi16=-2', 's4=8xf32=1.5', 's8=2xi64=7', 's16=3x4xf32=0'] }));
  const { index } = await loadIndex([
    { path: st, scope: 'st' },
    { path: irpa, scope: 'irpa' },
    { path: join(repoRoot, 'examples/tiny.gguf'), scope: 'gguf' },
  ]);
  return index.all();
}

async function checkResident(t: import('ava').ExecutionContext, load: DeviceLoad, parameters: Parameter[]): Promise<void> {
  const files = new FileCache();
  try {
    for (const p of parameters) {
      const place = load.placements.get(residentKey(p))!;
      t.is(place.offset % load.device.offsetAlignment, 0);
      t.is(sha256(await load.device.read(place.buffer, place.offset, place.length)), await sourceHash(p, files), residentKey(p));
    }
  } finally {
    await files.closeAll();
  }
}

test('every parameter of IRPA, safetensors and GGUF files, splats included, is byte-exact in host device memory', async (t) => {
  await inTempDir(async (dir) => {
    const parameters = await inputs(dir);
    // Small staging buffers, so big parameters are split across several and small ones share one.
    const load = new DeviceLoad(parameters, new HostDevice(), { chunkBytes: 4096, stagingBuffers: 3, arenaBytes: 16_384 });
    const stats = await load.done;
    t.is(stats.parameters, parameters.length);
    t.is(stats.stagingBytes, 3 * 4096);
    t.true(new Set([...load.placements.values()].map((p) => p.buffer)).size > 1, 'packed into several arenas');
    await checkResident(t, load, parameters);
  });
});

test('fences resolve in priority order, then file order', async (t) => {
  await inTempDir(async (dir) => {
    const parameters = await inputs(dir);
    const load = new DeviceLoad(parameters, new HostDevice(), { chunkBytes: 4096, priority: ['gguf::lm_head.weight', 'st::t4', 'irpa::s*'] });
    const order: string[] = [];
    await Promise.all([...load.resident].map(([key, fence]) => fence.wait().then(() => order.push(key))));
    await load.done;
    t.deepEqual(order.slice(0, 7), ['gguf::lm_head.weight', 'st::t4', 'irpa::s1', 'irpa::s2', 'irpa::s4', 'irpa::s8', 'irpa::s16']);
    t.deepEqual(order, load.order.map(residentKey));
  });
});

test('a read error fails the fence of every parameter not yet resident', async (t) => {
  await inTempDir(async (dir) => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, safetensorsFile(Array.from({ length: 8 }, (_, i) => ({ name: `t${i}`, dtype: 'U8', shape: [10_000], payload: randomBytes(10_000) }))));
    const { index } = await loadIndex([{ path, scope: '' }]);
    // The file shrinks after it was indexed: the last parameters cannot be read.
    await truncate(path, 50_000);
    const load = new DeviceLoad(index.all(), new HostDevice(), { chunkBytes: 10_000, stagingBuffers: 1 });
    await t.throwsAsync(load.done, { message: /run past the end of the file|did it shrink/ });
    const outcomes = await Promise.all([...load.resident.values()].map((f) => f.wait().then(() => 'resident', () => 'failed')));
    t.is(outcomes[0], 'resident');
    t.is(outcomes.at(-1), 'failed');
    t.deepEqual(outcomes, [...outcomes].sort().reverse(), 'resident ones first, then failed ones, never mixed');
  });
});

test('a parameter larger than the device takes is refused with the sizes', (t) => {
  const small: Device = Object.assign(new HostDevice(), { maxBufferSize: 1024 });
  const p = declaredParameters({ data: ['big=2048xi8'] });
  t.throws(() => new DeviceLoad(p, small), { message: /parameter big is 2048 bytes, more than the largest buffer host device 'host memory' takes \(1024 bytes\)/ });
});

test('load --device=host --verify --json reports the load', async (t) => {
  const r = await runCli(['load', `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, `--parameters=g=${join(repoRoot, 'examples/tiny.gguf')}`, '--device=host', '--verify', '--json']);
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.is(summary.parameters, 13);
  t.is(summary.verified, 13);
  t.true(summary.firstResidentSeconds <= summary.seconds);
  const bad = await runCli(['load', `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, '--device=cuda']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--device=cuda: expected one of host, webgpu/);
});

// A real GPU API: Dawn on the machine's GPU, or on Mesa's software renderer where there is none.
test('every parameter is byte-exact on a WebGPU device', async (t) => {
  await inTempDir(async (dir) => {
    const parameters = await inputs(dir);
    const device = await openDevice('webgpu');
    try {
      t.log(`adapter: ${device.description}`);
      const load = new DeviceLoad(parameters, device, { chunkBytes: 4096, stagingBuffers: 2, priority: ['irpa::*'] });
      await load.done;
      await checkResident(t, load, parameters);
    } finally {
      device.destroy();
    }
  });
});

test.serial('staging buffers start where their reads copy clear of the slow window; bytes exact', async (t) => {
  if (pageOffsetOf(Buffer.alloc(1)) === undefined) return t.pass('addresses cannot be learnt on this system');
  await inTempDir(async (dir) => {
    // Batches of three pages and 16 bytes: their first reads start at every multiple of 16
    // modulo a page, so a staging buffer left where the allocator put it would meet some
    // 1 to 31 bytes off.
    const path = join(dir, 'model.safetensors');
    const chunkBytes = 3 * PAGE_BYTES + 16;
    const length = 4000;
    const count = Math.ceil(((PAGE_BYTES / 16) * chunkBytes) / length);
    await writeFile(path, safetensorsFile(Array.from({ length: count }, (_, i) => ({ name: `t${i}`, dtype: 'U8', shape: [length], payload: randomBytes(length) }))));
    const { index } = await loadIndex([{ path, scope: '' }]);
    const slow: string[] = [];
    const restore = watchCopies((kind, shift, bytes) => {
      if (kind === 'read' && isSlowShift(shift)) slow.push(`${bytes} bytes, shift ${shift % PAGE_BYTES}`);
    });
    let load: DeviceLoad;
    try {
      load = new DeviceLoad(index.all(), new HostDevice(), { chunkBytes, stagingBuffers: 2 });
      await load.done;
    } finally {
      restore();
    }
    t.deepEqual(slow.slice(0, 5), []);
    await checkResident(t, load, index.all());
  });
});

test('load --verify checks a parameter of 2 GiB, as real embedding tables are, hashing it in parts', async (t) => {
  await inTempDir(async (dir) => {
    const length = 2 ** 31;
    const path = join(dir, 'big.safetensors');
    // A sparse file: the header, a few bytes at each end of the tensor, zeros between.
    const head = safetensorsRaw({ embed: { dtype: 'U8', shape: [length], data_offsets: [0, length] } }, Uint8Array.of(1, 2, 3));
    await writeFile(path, head);
    await truncate(path, head.length - 3 + length);
    const r = await runCli(['load', `--parameters=${path}`, '--device=host', '--verify', '--json']);
    t.is(r.code, 0, r.stderr);
    t.is(JSON.parse(r.stdout).verified, 1);
  });
});

test('load --verify reads a parameter back in parts: a 1 GiB parameter on the host device peaks well under twice its size', async (t) => {
  await inTempDir(async (dir) => {
    const length = 2 ** 30;
    const path = join(dir, 'big.safetensors');
    const head = safetensorsRaw({ embed: { dtype: 'U8', shape: [length], data_offsets: [0, length] } }, Uint8Array.of(7));
    await writeFile(path, head);
    await truncate(path, head.length - 1 + length);
    const r = spawnCli(['load', `--parameters=${path}`, '--device=host', '--verify', '--json']);
    t.is(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    t.is(summary.verified, 1);
    // The device's copy is 1024 MiB; read back whole, it would be 2048 MiB and more.
    t.true(summary.peakRssMiB < 1400, `peak RSS ${summary.peakRssMiB} MiB`);
    t.log(`peak RSS ${summary.peakRssMiB} MiB for a 1024 MiB parameter`);
  });
});
