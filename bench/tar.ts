/**
 * Checkpoints piped through standard input, in one run with a warm page
 * cache, nothing flushed to disk:
 * - a sharded checkpoint as a tar: `paramflow convert --parameters=-`
 *   against `tar -x` of the same stream (paramflow must list every member
 *   before it writes, so the stream is kept whole in a spill file first);
 * - one bare safetensors file: `paramflow convert --parameters=-` against
 *   `cat > FILE` of the same stream (its parameters flow straight through).
 * Prints the times, the ratios, and paramflow's peak RSS.
 *
 *   npm run build && node dist/bench/tar.js [SIZE_GIB=2] [--dir=DIR] [--runs=3]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { best, cli, flag, makeSafetensors, nodeStartup, rss, timed, warm } from './lib.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 2);
const runs = Number(flag('runs') ?? 3);

const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  const model = join(dir, 'model.safetensors');
  await makeSafetensors(model, sizeGiB * 2 ** 30, 300);
  timed([process.execPath, cli, 'reshard', `--parameters=${model}`, '--format=safetensors', '--shards=4', `--output=${join(dir, 'shards.tar')}`]);
  const archive = join(dir, 'shards.tar');
  warm(archive);
  warm(model);
  const out = join(dir, 'out');
  const clean = () => void spawnSync('rm', ['-rf', out]);
  const ours = best(runs, () => timed(['bash', '-c', `cat "${archive}" | "${process.execPath}" "${cli}" convert --parameters=- --output="${out}" --quiet --no-sync`]), clean);
  const theirs = best(
    runs,
    () => {
      spawnSync('mkdir', ['-p', out]);
      return timed(['bash', '-c', `cat "${archive}" | tar -x -C "${out}"`]);
    },
    clean,
  );
  const bare = best(runs, () => timed(['bash', '-c', `cat "${model}" | "${process.execPath}" "${cli}" convert --parameters=- --output="${out}" --quiet --no-sync`]), clean);
  const cat = best(runs, () => timed(['bash', '-c', `cat "${model}" | cat > "${out}"`]), clean);
  await mkdir(out, { recursive: true });
  const size = Number(spawnSync('stat', ['-c', '%s', archive], { encoding: 'utf8' }).stdout);
  const startup = nodeStartup(5);
  console.log(`input: ${(size / 2 ** 30).toFixed(2)} GiB, through a pipe; best of ${runs}; warm page cache; no flush`);
  console.log('tar of a 4-shard safetensors set:');
  console.log(`  paramflow convert --parameters=-   ${ours.seconds.toFixed(2)}s   peak RSS ${rss(ours)}`);
  console.log(`  tar -x                             ${theirs.seconds.toFixed(2)}s`);
  console.log(`  ratio ${(ours.seconds / theirs.seconds).toFixed(2)}x (goal 1.20x; floor ${((theirs.seconds + startup.seconds) / theirs.seconds).toFixed(2)}x, bare node start-up ${startup.seconds.toFixed(2)} s)`);
  console.log('one bare safetensors file:');
  console.log(`  paramflow convert --parameters=-   ${bare.seconds.toFixed(2)}s   peak RSS ${rss(bare)}`);
  console.log(`  cat > FILE                         ${cat.seconds.toFixed(2)}s`);
  console.log(`  ratio ${(bare.seconds / cat.seconds).toFixed(2)}x (goal 1.20x; floor ${((cat.seconds + startup.seconds) / cat.seconds).toFixed(2)}x)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
