import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnCli } from './helpers/cli.js';
import { inTempDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A 4 MiB input, and each command that writes, run with a fault injected. */
async function withInput(fn: (dir: string, input: string) => Promise<void>): Promise<void> {
  await inTempDir(async (dir) => {
    const input = join(dir, 'model.safetensors');
    await writeFile(input, safetensorsFile(Array.from({ length: 16 }, (_, i) => ({ name: `w${i}`, dtype: 'U8', shape: [256 * 1024], payload: randomBytes(256 * 1024) }))));
    await writeFile(join(dir, 'job.yaml'), 'sources: [{ path: model.safetensors }]\nsinks: [{ irpa: { path: job.irpa } }, { shards: { dir: job-shards, shards: 2 } }]\n');
    await fn(dir, input);
  });
}

const commands = (dir: string, input: string): [string, string[]][] => [
  ['convert', ['convert', `--parameters=${input}`, `--output=${join(dir, 'out.irpa')}`, '--quiet']],
  ['reshard', ['reshard', `--parameters=${input}`, '--shards=3', `--output=${join(dir, 'shards')}`]],
  ['reshard to a tar', ['reshard', `--parameters=${input}`, '--shards=3', `--output=${join(dir, 'shards.tar')}`]],
  ['run', ['run', join(dir, 'job.yaml'), '--quiet']],
];

test('a full disk fails every writing command with a clear error, exit 1, and nothing written', async (t) => {
  await withInput(async (dir, input) => {
    const before = sha256(await readFile(input));
    for (const [name, args] of commands(dir, input)) {
      const r = spawnCli(args, { env: { PARAMFLOW_FAILPOINTS: 'write=ENOSPC@1048576' } });
      t.is(r.code, 1, `${name}: ${r.stderr}`);
      t.regex(r.stderr, /cannot (write|copy|finish output): no space left on device/, name);
      t.notRegex(r.stderr, /\.partial/, `${name} names the output, not its temporary name`);
      t.deepEqual((await readdir(dir)).sort(), ['job.yaml', 'model.safetensors'], `${name} leaves nothing behind`);
    }
    t.is(sha256(await readFile(input)), before);
  });
});

test('a failing disk (EIO on read) fails reading commands naming the input, exit 1, and nothing written', async (t) => {
  await withInput(async (dir, input) => {
    for (const [name, args] of [...commands(dir, input), ['dump --hash', ['dump', `--parameters=${input}`, '--hash']] as [string, string[]]]) {
      const r = spawnCli(args, { env: { PARAMFLOW_FAILPOINTS: 'read=EIO@2097152' } });
      t.is(r.code, 1, `${name}: ${r.stderr}`);
      t.regex(r.stderr, /model\.safetensors: cannot read: input\/output error/, name);
      t.deepEqual((await readdir(dir)).sort(), ['job.yaml', 'model.safetensors'], `${name} leaves nothing behind`);
    }
  });
});

test('a job whose last sink fails publishes none of its outputs: files, shard sets and tars appear together', async (t) => {
  await withInput(async (dir) => {
    // The IRPA and the shard set (4 MiB each) are written and flushed first; the tar then fails half way.
    await writeFile(join(dir, 'all.yaml'), 'sources: [{ path: model.safetensors }]\nsinks: [{ irpa: { path: all.irpa } }, { shards: { dir: all-shards, shards: 2 } }, { tar: { path: all.tar } }]\n');
    const r = spawnCli(['run', join(dir, 'all.yaml'), '--quiet'], { env: { PARAMFLOW_FAILPOINTS: `write=ENOSPC@${10 * 2 ** 20}` } });
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, /all\.tar: cannot write: no space left on device/);
    t.deepEqual((await readdir(dir)).sort(), ['all.yaml', 'job.yaml', 'model.safetensors']);
    const ok = spawnCli(['run', join(dir, 'all.yaml'), '--quiet']);
    t.is(ok.code, 0, ok.stderr);
    t.deepEqual((await readdir(dir)).sort(), ['all-shards', 'all.irpa', 'all.tar', 'all.yaml', 'job.yaml', 'model.safetensors']);
  });
});

test('a failing read of standard input (a bare file read as it arrives, or a tar kept whole) fails naming <stdin>, exit 1, and nothing written', async (t) => {
  await withInput(async (dir, input) => {
    const tar = join(dir, 'model.tar');
    spawnSync('tar', ['-cf', tar, '-C', dir, 'model.safetensors']);
    for (const [name, piped] of [['a bare file', input], ['a tar', tar]] as const) {
      const out = join(dir, 'out.irpa');
      const r = spawnCli(['convert', '--parameters=-', `--output=${out}`, '--quiet'], { env: { PARAMFLOW_FAILPOINTS: 'read=EIO@2097152' }, input: await readFile(piped) });
      t.is(r.code, 1, `${name}: ${r.stderr}`);
      t.regex(r.stderr, /<stdin>: cannot read: input\/output error/, name);
      t.false((await readdir(dir)).some((n) => n.startsWith('out.irpa') || n.includes('.partial')), name);
    }
  });
});
