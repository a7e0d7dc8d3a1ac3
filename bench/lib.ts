/** Shared pieces of the benchmarks that time paramflow against `cp`. */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/paramflow.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * A safetensors file of about `bytes` of random F32 data in `count`
 * tensors: 1-D, or matrices of rows of `row` elements (as a quantizer wants).
 */
export async function makeSafetensors(path: string, bytes: number, count: number, row?: number): Promise<number> {
  const unit = 4 * (row ?? 1);
  const each = Math.max(unit, Math.floor(bytes / count / unit) * unit);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const shape = row ? [each / unit, row] : [each / 4];
  for (let i = 0; i < count; ++i) header[`model.layers.${i}.weight`] = { dtype: 'F32', shape, data_offsets: [i * each, (i + 1) * each] };
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

export interface Timing {
  seconds: number;
  peakKiB?: number;
  stdout?: string;
}

/** Runs a command, returning wall time and (with /usr/bin/time) its peak RSS. */
export function timed(command: string[], env: NodeJS.ProcessEnv = {}): Timing {
  const full = TIME ? [TIME, '-f', '%e %M', ...command] : command;
  const started = performance.now();
  const r = spawnSync(full[0]!, full.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  const last = TIME ? r.stderr.trim().split('\n').at(-1)!.split(' ') : [];
  return { seconds, peakKiB: TIME ? Number(last[1]) : undefined, stdout: r.stdout };
}

export function best(runs: number, make: () => Timing, cleanup: () => void): Timing {
  let fastest: Timing | undefined;
  for (let i = 0; i < runs; ++i) {
    spawnSync('sync');
    const t = make();
    cleanup();
    if (!fastest || t.seconds < fastest.seconds) fastest = t;
  }
  return fastest!;
}

export const rss = (t: Timing) => (t.peakKiB === undefined ? 'n/a' : `${(t.peakKiB / 1024).toFixed(0)} MiB`);

/**
 * Bare `node -e 0`, best of `runs`. No Node program finishes sooner, so
 * (peer + this) / peer is the best ratio any Node program could reach
 * against a peer: for a short peer it may lie above a ratio goal.
 */
export function nodeStartup(runs: number): Timing {
  return best(runs, () => timed([process.execPath, '-e', '0']), () => {});
}

/** Prints paramflow's time and cp's side by side with their ratio, and the floor that Node's own start-up sets. */
export function printRows(rows: [string, Timing, Timing][], bytes: number, startup = nodeStartup(5)): void {
  console.log(`${'case'.padEnd(40)} ${'paramflow'.padStart(9)} ${'cp'.padStart(8)} ${'ratio'.padStart(6)} ${'floor'.padStart(6)} ${'GB/s'.padStart(6)} ${'RSS'.padStart(8)} ${'cp RSS'.padStart(8)}`);
  for (const [name, ours, theirs] of rows) {
    const floor = (theirs.seconds + startup.seconds) / theirs.seconds;
    console.log(
      `${name.padEnd(40)} ${ours.seconds.toFixed(2).padStart(8)}s ${theirs.seconds.toFixed(2).padStart(7)}s ${(ours.seconds / theirs.seconds).toFixed(2).padStart(5)}x ${floor.toFixed(2).padStart(5)}x ${(bytes / 1e9 / ours.seconds).toFixed(2).padStart(6)} ${rss(ours).padStart(8)} ${rss(theirs).padStart(8)}`,
    );
  }
  console.log(`floor: ${startup.seconds.toFixed(2)} s of bare node start-up added to the peer's time; no Node program can be faster`);
}

/** Reads a file once so the runs that follow find it in the page cache. */
export function warm(path: string): void {
  spawnSync('cat', [path], { stdio: ['ignore', 'ignore', 'ignore'] });
}

export function flag(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The fastest of `runs` timings of an async step in this process, in seconds. */
export async function bestSeconds(runs: number, fn: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; ++i) {
    const started = performance.now();
    await fn();
    fastest = Math.min(fastest, (performance.now() - started) / 1000);
  }
  return fastest;
}
