/**
 * ParameterProvider.gather against a plain loop of positioned reads
 * (`FileHandle.read`, one per parameter, awaited in turn) over the same
 * ranges of the same file, warm page cache: many small parameters (4 KiB)
 * and a few large ones (64 MiB). Prints throughput of each and the ratio.
 *
 *   npm run build && node dist/bench/provider.js [--dir=DIR] [--runs=5]
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterProvider } from '../src/provider/parameter-provider.js';
import { bestSeconds, flag, makeSafetensors, warm } from './lib.js';

const runs = Number(flag('runs') ?? 5);
const CASES = [
  { name: '16,384 parameters of 4 KiB', count: 16_384, each: 4096 },
  { name: '16 parameters of 64 MiB', count: 16, each: 64 * 2 ** 20 },
];


const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  console.log(`best of ${runs}; warm page cache; GB/s of parameter bytes gathered into one buffer`);
  for (const c of CASES) {
    const path = join(dir, `${c.count}.safetensors`);
    await makeSafetensors(path, c.count * c.each, c.count);
    warm(path);
    const provider = await ParameterProvider.open([path]);
    const parameters = provider.index.all();
    const total = parameters.reduce((n, p) => n + p.length, 0);
    const buffer = new Uint8Array(total);
    const spans = parameters.map((p, i) => ({ key: p.key, into: i * c.each }));
    const ours = await bestSeconds(runs, () => provider.gather('', spans, buffer));
    const calls = provider.scheduler.calls.reads / runs;
    await provider.close();

    const handle = await open(path, 'r');
    const offsets = parameters.map((p) => (p.storage.kind === 'data' && p.storage.source.kind === 'file' ? p.storage.source.offset : 0));
    const loop = await bestSeconds(runs, async () => {
      for (let i = 0; i < parameters.length; ++i) await handle.read(buffer, i * c.each, parameters[i]!.length, offsets[i]!);
    });
    await handle.close();
    const gbps = (s: number) => (total / 1e9 / s).toFixed(2);
    console.log(`${c.name.padEnd(30)} gather ${gbps(ours).padStart(6)} GB/s (${calls.toFixed(0)} reads)   read loop ${gbps(loop).padStart(6)} GB/s (${parameters.length} reads)   gather is ${(loop / ours).toFixed(2)}x as fast`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
