import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prng } from './helpers/irpa-bytes.js';
import { cliPath, inTempDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Runs the CLI and kills it with SIGKILL after `ms` (or lets it finish first). */
function runKilled(args: string[], ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test('convert, reshard and run killed at random moments leave the old output or the complete new one, and the next run clears their leftovers', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'model.safetensors');
    await writeFile(input, safetensorsFile(Array.from({ length: 48 }, (_, i) => ({ name: `w${i}`, dtype: 'U8', shape: [1 << 20], payload: randomBytes(1 << 20) }))));
    const inputHash = sha256(await readFile(input));
    await writeFile(join(dir, 'job.yaml'), 'sources: [{ path: model.safetensors }]\nsinks: [{ irpa: { path: job.irpa } }, { shards: { dir: job-shards, max-shard-size: 16MiB, force: true } }]\n');
    const commands: [string, string[]][] = [
      ['out.irpa', ['convert', `--parameters=${input}`, `--output=${join(dir, 'out.irpa')}`, '--quiet']],
      ['shards', ['reshard', `--parameters=${input}`, '--max-shard-size=16MiB', `--output=${join(dir, 'shards')}`, '--force']],
      ['job.irpa', ['run', join(dir, 'job.yaml'), '--quiet']],
    ];
    // A complete output from one clean run of each, to compare against.
    const complete = new Map<string, string>();
    const fingerprint = async (name: string) => {
      const path = join(dir, name);
      if (!existsSync(path)) return 'absent';
      if (name === 'shards') return (await Promise.all((await readdir(path)).sort().map(async (n) => `${n}:${sha256(await readFile(join(path, n)))}`))).join(',');
      return sha256(await readFile(path));
    };
    for (const [name, args] of commands) {
      t.is(await runKilled(args, 60_000), 0);
      complete.set(name, await fingerprint(name));
    }
    const rand = prng(7);
    for (let round = 0; round < 24; ++round) {
      const [name, args] = commands[round % commands.length]!;
      await runKilled(args, Math.floor(rand() * 400));
      t.is(await fingerprint(name), complete.get(name)!, `${name}, round ${round}: the old complete output, never a partial one`);
    }
    t.is(sha256(await readFile(input)), inputHash, 'the input is never modified');
    for (const [, args] of commands) t.is(await runKilled(args, 60_000), 0);
    t.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.partial')), [], 'leftovers of killed runs are cleared by the next');
  });
});
