/**
 * A fan-out job (`paramflow run` with three sinks: the whole model as IRPA, a
 * stripped copy for CI, and 256 MiB shards) against each of its sinks run
 * alone, in one run with a warm page cache. The goal: the three together take
 * at most 1.2x the slowest one alone, since each input byte is read once.
 * Two of the sinks hold the whole model, so the job writes twice the bytes of
 * any one sink: `cp` of the input to two files is printed as the like-for-like
 * peer. With and without a flush.
 *
 *   npm run build && node dist/bench/fanout.js [SIZE_GIB=2] [--dir=DIR] [--runs=3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { best, cli, flag, makeSafetensors, rss, timed, warm, type Timing } from './lib.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 2);
const runs = Number(flag('runs') ?? 3);

const SINKS = {
  full: '{ irpa: { path: out/full.irpa } }',
  ci: '{ irpa: { path: out/ci.irpa, transforms: [{ strip: true }] } }',
  shards: '{ shards: { dir: out/shards, max-shard-size: 256MiB } }',
};

const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  const input = join(dir, 'model.safetensors');
  const size = await makeSafetensors(input, sizeGiB * 2 ** 30, 300);
  warm(input);
  const job = async (name: string, sinks: string[]) => {
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, `sources: [{ path: model.safetensors }]\nsinks: [${sinks.join(', ')}]\n`);
    return path;
  };
  const clean = () => void spawnSync('rm', ['-rf', join(dir, 'out'), join(dir, 'copy1.bin'), join(dir, 'copy2.bin')]);
  const jobs: [string, string][] = [
    ['full IRPA alone', await job('full', [SINKS.full])],
    ['stripped IRPA alone', await job('ci', [SINKS.ci])],
    ['256 MiB shards alone', await job('shards', [SINKS.shards])],
    ['all three in one job', await job('all', Object.values(SINKS))],
  ];
  for (const [label, flags] of [
    ['with flush (fsync)', []],
    ['no flush', ['--no-sync']],
  ] as const) {
    const times: [string, Timing][] = jobs.map(([name, path]) => [name, best(runs, () => timed([process.execPath, cli, 'run', path, '--quiet', ...flags]), clean)]);
    const copies = (n: number) => Array.from({ length: n }, (_, i) => `cp "${input}" "${dir}/copy${i + 1}.bin"` + (label === 'no flush' ? '' : ` && sync "${dir}/copy${i + 1}.bin"`)).join(' && ');
    const cp = best(runs, () => timed(['bash', '-c', copies(1)]), clean);
    const cp2 = best(runs, () => timed(['bash', '-c', copies(2)]), clean);
    const slowest = Math.max(...times.slice(0, 3).map(([, t]) => t.seconds));
    console.log(`\n${label}: input ${(size / 2 ** 30).toFixed(2)} GiB safetensors, 300 tensors; best of ${runs}; warm page cache`);
    for (const [name, t] of times) console.log(`  ${name.padEnd(24)} ${t.seconds.toFixed(2).padStart(6)}s  RSS ${rss(t).padStart(8)}`);
    console.log(`  ${'cp of the input'.padEnd(24)} ${cp.seconds.toFixed(2).padStart(6)}s`);
    console.log(`  ${'cp of it to two files'.padEnd(24)} ${cp2.seconds.toFixed(2).padStart(6)}s`);
    console.log(`  all three / slowest alone: ${(times[3]![1].seconds / slowest).toFixed(2)}x (goal 1.20x); / cp to two files: ${(times[3]![1].seconds / cp2.seconds).toFixed(2)}x`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
