/**
 * Loading into device memory, in one run on the same file (warm page cache):
 * the raw read throughput of the file (8 MiB positioned reads), the device's
 * upload throughput alone (the same bytes from one host buffer), and
 * `paramflow load` (a child process, for its peak RSS). Goal: load at least
 * 0.8x the smaller of the first two; RSS above a bare process bounded by the
 * staging ring (4 x 8 MiB).
 *
 *   npm run build && node dist/bench/load.js [SIZE_GIB=1] [--device=host|webgpu] [--dir=DIR] [--runs=3]
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDevice } from '../src/device/open-device.js';
import { best, bestSeconds, cli, flag, makeSafetensors, rss, timed, warm } from './lib.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 1);
const backend = flag('device') ?? 'host';
const runs = Number(flag('runs') ?? 3);
const CHUNK = 8 * 2 ** 20;

const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  const path = join(dir, 'model.safetensors');
  const size = await makeSafetensors(path, sizeGiB * 2 ** 30, 300);
  warm(path);

  const buffer = new Uint8Array(CHUNK);
  const file = await open(path, 'r');
  const read = await bestSeconds(runs, async () => {
    for (let at = 0; at < size; at += CHUNK) await file.read(buffer, 0, Math.min(CHUNK, size - at), at);
  });
  await file.close();

  const device = await openDevice(backend);
  const description = device.description;
  // Into fresh 256 MiB buffers each run, as a load packs parameters.
  const ARENA = 256 * 2 ** 20;
  const upload = await bestSeconds(runs, async () => {
    let target = device.createBuffer(Math.min(size, ARENA));
    for (let at = 0; at < size; at += CHUNK) {
      if (at % ARENA === 0 && at > 0) target = device.createBuffer(Math.min(size - at, ARENA));
      device.upload(target, at % ARENA, buffer.subarray(0, Math.min(CHUNK, size - at)));
    }
    await device.drain();
  });
  device.destroy();

  let inner = Infinity;
  const load = best(
    runs,
    () => {
      const t = timed([process.execPath, cli, 'load', `--parameters=${path}`, `--device=${backend}`, '--json']);
      inner = Math.min(inner, JSON.parse(t.stdout!).seconds);
      return t;
    },
    () => undefined,
  );
  const bare = timed([process.execPath, '-e', '0']);
  const gbps = (s: number) => (size / 1e9 / s).toFixed(2);
  console.log(`input: ${(size / 2 ** 30).toFixed(2)} GiB safetensors, 300 tensors; device ${backend} (${description}); best of ${runs}; warm page cache`);
  console.log(`  raw file read (8 MiB reads)   ${gbps(read).padStart(6)} GB/s`);
  console.log(`  device upload alone           ${gbps(upload).padStart(6)} GB/s`);
  console.log(`  paramflow load                ${gbps(inner).padStart(6)} GB/s (the load itself; ${gbps(load.seconds)} GB/s for the whole process, startup and indexing included)`);
  console.log(`  peak RSS ${rss(load)}: a bare node process ${rss(bare)}, device memory ${backend === 'host' ? 'in this process' : 'as the driver keeps it'}`);
  // Throughputs compare inversely to times: the slower of read and upload is the one with the longer time.
  if (backend === 'webgpu') {
    const { compareUploads } = await import('./webgpu-staging.js');
    const c = await compareUploads(size, CHUNK, runs);
    console.log(`  WebGPU upload paths: queue.writeBuffer ${gbps(c.writeBuffer)} GB/s, mapped staging ring + copyBufferToBuffer ${gbps(c.mappedStaging)} GB/s`);
  }
  console.log(`  load / min(read, upload): ${(Math.max(read, upload) / inner).toFixed(2)}x (goal 0.80x); staging ring 4 x 8 MiB = 32 MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
