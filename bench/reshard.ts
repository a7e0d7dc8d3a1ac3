/**
 * paramflow reshard of a generated IRPA archive into shards, against `cp` of
 * the same archive, in one run with a warm page cache (with and without a
 * flush, as bench/convert).
 *
 *   npm run build && node dist/bench/reshard.js [SIZE_GIB=2] [SHARD=256MiB] [--dir=DIR] [--runs=3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { best, cli, flag, makeSafetensors, printRows, timed, warm, type Timing } from './lib.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 2);
const shardSize = args[1] ?? '256MiB';
const runs = Number(flag('runs') ?? 3);

const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  const source = join(dir, 'model.safetensors');
  const archive = join(dir, 'model.irpa');
  await makeSafetensors(source, sizeGiB * 2 ** 30, 300);
  timed([process.execPath, cli, 'convert', `--parameters=${source}`, `--output=${archive}`, '--quiet']);
  spawnSync('rm', ['-f', source]);
  warm(archive);
  const shards = join(dir, 'shards');
  const copy = join(dir, 'copy.bin');
  const clean = () => void spawnSync('rm', ['-rf', shards, copy]);
  const reshard = (sync: boolean) => () => timed([process.execPath, cli, 'reshard', `--parameters=${archive}`, `--max-shard-size=${shardSize}`, `--output=${shards}`, ...(sync ? [] : ['--no-sync'])]);
  const rows: [string, Timing, Timing][] = [];
  rows.push(['with flush: paramflow reshard (fsync)', best(runs, reshard(true), clean), best(runs, () => timed(['bash', '-c', `cp "${archive}" "${copy}" && sync "${copy}"`]), clean)]);
  rows.push(['no flush:   paramflow reshard', best(runs, reshard(false), clean), best(runs, () => timed(['cp', archive, copy]), clean)]);
  const size = Number(spawnSync('stat', ['-c', '%s', archive], { encoding: 'utf8' }).stdout);
  console.log(`input: ${(size / 2 ** 30).toFixed(2)} GiB IRPA, 300 parameters, into ${shardSize} shards; best of ${runs}; warm page cache`);
  printRows(rows, size);
} finally {
  await rm(dir, { recursive: true, force: true });
}
