/**
 * paramflow convert (safetensors -> IRPA) against `cp` of the same file, in
 * one run with a warm page cache. Two pairs: `cp` + `sync FILE` against
 * paramflow with its fsync before the rename, and both without a flush.
 * Also paramflow with kernel copies (copy_file_range) on, to compare the two paths.
 *
 *   npm run build && node dist/bench/convert.js [SIZE_GIB=2] [TENSORS=300] [--dir=DIR] [--runs=3]
 *   node dist/bench/convert.js 2 100000      # the many-small-tensors case
 *   node dist/bench/convert.js --source-align=4096   # from an IRPA whose data sit on page boundaries
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { best, cli, flag, makeSafetensors, printRows, timed, warm, type Timing } from './lib.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 2);
const tensorCount = Number(args[1] ?? 300);
const runs = Number(flag('runs') ?? 3);

const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  const made = join(dir, 'model.safetensors');
  const output = join(dir, 'out.irpa');
  const copy = join(dir, 'copy.bin');
  let size = await makeSafetensors(made, sizeGiB * 2 ** 30, tensorCount);
  // A realigned archive: every parameter starts a page, which puts reads into a malloc'd buffer
  // 16 bytes off the source (the slow case of the CPU's string moves; see src/io/os/page-offset.ts).
  const sourceAlign = flag('source-align');
  const input = sourceAlign ? join(dir, 'model.irpa') : made;
  if (sourceAlign) {
    const result = spawnSync(process.execPath, [cli, 'convert', `--parameters=${made}`, `--output=${input}`, `--align=${sourceAlign}`, '--quiet'], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`making the ${sourceAlign}-aligned input failed`);
    await rm(made);
    size = (await stat(input)).size;
  }
  warm(input);
  const rmOut = () => void spawnSync('rm', ['-f', output, copy]);
  const convert = (env: NodeJS.ProcessEnv, sync = true) => () => timed([process.execPath, cli, 'convert', `--parameters=${input}`, `--output=${output}`, '--quiet', ...(sync ? [] : ['--no-sync'])], env);

  const rows: [string, Timing, Timing][] = [];
  const cpSync = best(runs, () => timed(['bash', '-c', `cp "${input}" "${copy}" && sync "${copy}"`]), rmOut);
  rows.push(['with flush: paramflow convert (fsync)', best(runs, convert({}), rmOut), cpSync]);
  rows.push(['  with kernel copies', best(runs, convert({ PARAMFLOW_KERNEL_COPY: '1' }), rmOut), cpSync]);
  const cp = best(runs, () => timed(['cp', input, copy]), rmOut);
  rows.push(['no flush:   paramflow convert', best(runs, convert({}, false), rmOut), cp]);
  rows.push(['  with kernel copies', best(runs, convert({ PARAMFLOW_KERNEL_COPY: '1' }, false), rmOut), cp]);

  const kind = sourceAlign ? `IRPA (data aligned to ${sourceAlign} bytes)` : 'safetensors';
  console.log(`input: ${(size / 2 ** 30).toFixed(2)} GiB ${kind}, ${tensorCount} tensors; best of ${runs}; warm page cache`);
  printRows(rows, size);
} finally {
  await rm(dir, { recursive: true, force: true });
}
