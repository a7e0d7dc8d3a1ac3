/**
 * paramflow convert (safetensors -> IRPA) against `cp` of the same file, in
 * one run with a warm page cache. Two pairs: `cp` + `sync FILE` against
 * paramflow with its fsync before the rename, and both without a flush.
 * Also paramflow with kernel copies (copy_file_range) on, to compare the two paths.
 *
 *   npm run build && node dist/bench/convert.js [SIZE_GIB=2] [TENSORS=300] [--dir=DIR] [--runs=3]
 *   node dist/bench/convert.js 2 100000      # the many-small-tensors case
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 2);
const tensorCount = Number(args[1] ?? 300);
const dirFlag = process.argv.find((a) => a.startsWith('--dir='))?.slice(6);
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/paramflow.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** A safetensors file of about `bytes` of random F32 data in `count` tensors. */
async function makeSafetensors(path: string, bytes: number, count: number): Promise<number> {
  const each = Math.max(4, Math.floor(bytes / count / 4) * 4);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (let i = 0; i < count; ++i) header[`model.layers.${i}.weight`] = { dtype: 'F32', shape: [each / 4], data_offsets: [i * each, (i + 1) * each] };
  const json = Buffer.from(JSON.stringify(header));
  const file = await open(path, 'w');
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  await file.write(head, 0, 8, 0);
  await file.write(json, 0, json.length, 8);
  const chunk = Buffer.allocUnsafe(8 * 2 ** 20);
  const total = each * count;
  for (let done = 0; done < total; done += chunk.length) {
    const n = Math.min(chunk.length, total - done);
    randomFillSync(chunk, 0, n);
    await file.write(chunk, 0, n, 8 + json.length + done);
  }
  await file.close();
  return 8 + json.length + total;
}

interface Timing {
  seconds: number;
  peakKiB?: number;
}

/** Runs a command, returning wall time and (with /usr/bin/time) its peak RSS. */
function timed(command: string[], env: NodeJS.ProcessEnv = {}): Timing {
  const full = TIME ? [TIME, '-f', '%e %M', ...command] : command;
  const started = performance.now();
  const r = spawnSync(full[0]!, full.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  const last = TIME ? r.stderr.trim().split('\n').at(-1)!.split(' ') : [];
  return { seconds, peakKiB: TIME ? Number(last[1]) : undefined };
}

function best(make: () => Timing, cleanup: () => void): Timing {
  let fastest: Timing | undefined;
  for (let i = 0; i < RUNS; ++i) {
    spawnSync('sync');
    const t = make();
    cleanup();
    if (!fastest || t.seconds < fastest.seconds) fastest = t;
  }
  return fastest!;
}

const dir = await mkdtemp(join(dirFlag ?? tmpdir(), 'paramflow-bench-'));
try {
  const input = join(dir, 'model.safetensors');
  const output = join(dir, 'out.irpa');
  const copy = join(dir, 'copy.bin');
  const size = await makeSafetensors(input, sizeGiB * 2 ** 30, tensorCount);
  spawnSync('cat', [input], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache
  const rmOut = () => void spawnSync('rm', ['-f', output, copy]);
  const convert = (env: NodeJS.ProcessEnv) => () => timed([process.execPath, cli, 'convert', `--parameters=${input}`, `--output=${output}`, '--quiet'], env);

  const rows: [string, Timing, Timing][] = [];
  const cpSync = best(() => timed(['bash', '-c', `cp "${input}" "${copy}" && sync "${copy}"`]), rmOut);
  rows.push(['with flush: paramflow convert (fsync)', best(convert({}), rmOut), cpSync]);
  rows.push(['  with kernel copies', best(convert({ PARAMFLOW_KERNEL_COPY: '1' }), rmOut), cpSync]);
  const cp = best(() => timed(['cp', input, copy]), rmOut);
  rows.push(['no flush:   paramflow convert', best(convert({ PARAMFLOW_FSYNC: '0' }), rmOut), cp]);
  rows.push(['  with kernel copies', best(convert({ PARAMFLOW_FSYNC: '0', PARAMFLOW_KERNEL_COPY: '1' }), rmOut), cp]);

  const gb = size / 1e9;
  const rss = (t: Timing) => (t.peakKiB === undefined ? 'n/a' : `${(t.peakKiB / 1024).toFixed(0)} MiB`);
  console.log(`input: ${(size / 2 ** 30).toFixed(2)} GiB safetensors, ${tensorCount} tensors; best of ${RUNS}; warm page cache`);
  console.log(`${'case'.padEnd(40)} ${'paramflow'.padStart(9)} ${'cp'.padStart(8)} ${'ratio'.padStart(6)} ${'GB/s'.padStart(6)} ${'RSS'.padStart(8)} ${'cp RSS'.padStart(8)}`);
  for (const [name, ours, theirs] of rows) {
    console.log(
      `${name.padEnd(40)} ${ours.seconds.toFixed(2).padStart(8)}s ${theirs.seconds.toFixed(2).padStart(7)}s ${(ours.seconds / theirs.seconds).toFixed(2).padStart(5)}x ${(gb / ours.seconds).toFixed(2).padStart(6)} ${rss(ours).padStart(8)} ${rss(theirs).padStart(8)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
