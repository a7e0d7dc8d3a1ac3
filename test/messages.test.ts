import test from 'ava';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, spawnCli } from './helpers/cli.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';
import { inTempDir, repoRoot, sharedDir } from './helpers/paths.js';

const tiny = join(repoRoot, 'examples/tiny.irpa');

test('the GPU driver\'s own warnings show with --verbose only', (t) => {
  const quiet = spawnCli(['load', `--parameters=${tiny}`, '--device=webgpu', '--json']);
  t.is(quiet.code, 0, quiet.stderr);
  t.is(quiet.stderr, '');
  const verbose = spawnCli(['load', `--parameters=${tiny}`, '--device=webgpu', '--json', '--verbose']);
  t.is(verbose.code, 0, verbose.stderr);
});

test('a job file that is not there is worded as every other file is', async (t) => {
  const r = await runCli(['run', '/nonexistent/job.yaml']);
  t.is(r.code, 2);
  t.regex(r.stderr, /\/nonexistent\/job\.yaml: cannot read job file: no such file/);
});

test('PyTorch checkpoints are named as such: a zip and a legacy pickle', async (t) => {
  for (const [file, what] of [
    ['boolean.pt', /a zip archive, the form of a PyTorch checkpoint .*: PyTorch checkpoints are not supported yet/],
    ['mixed_dtypes_views_legacy.pt', /a Python pickle, the form of a legacy PyTorch checkpoint: PyTorch checkpoints are not supported yet/],
  ] as const) {
    const r = await runCli(['dump', `--parameters=${join(sharedDir, 'real/torch', file)}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, what);
  }
});

test('a tar lists only its members\' scopes, a job with a tar sink counts the bytes it read, and safetensors entries show no alignment', async (t) => {
  await inTempDir(async (dir) => {
    execFileSync('tar', ['-cf', join(dir, 'm.tar'), '-C', join(repoRoot, 'examples'), 'tiny.safetensors', 'tiny.gguf']);
    const listing = await runCli(['dump', `--parameters=${join(dir, 'm.tar')}`]);
    t.is(listing.code, 0, listing.stderr);
    t.notRegex(listing.stdout, /<global>/);
    t.deepEqual([...listing.stdout.matchAll(/Parameter scope `([^`]+)`/g)].map((m) => m[1]), ['tiny.safetensors', 'tiny.gguf']);

    const job = join(dir, 'job.yaml');
    await writeFile(job, `sources: [{ path: ${join(repoRoot, 'examples/tiny.safetensors')} }]\nsinks: [{ tar: { path: out.tar } }]\n`);
    const run = await runCli(['run', job]);
    t.is(run.code, 0, run.stderr);
    t.regex(run.stdout, /read 1888 bytes, wrote 1888 payload bytes/);

    const verbose = await runCli(['dump', `--parameters=${join(repoRoot, 'examples/tiny.safetensors')}`, '--verbose']);
    t.regex(verbose.stdout, /`lm_head\.weight`: data, F32 \[16, 8\]\n/);
    t.notRegex(verbose.stdout, /alignment 0/);
  });
});

test('control characters in keys and paths are shown escaped: no forged line, no escape sequence reaches the terminal', async (t) => {
  await inTempDir(async (dir) => {
    const forged = 'w\nparamflow dump: error: forged';
    const clear = 'x\u001b[2J\u001b[H';
    const file = join(dir, 'odd.safetensors');
    await writeFile(file, safetensorsFile([forged, clear].map((name) => ({ name, dtype: 'U8', shape: [1], payload: Uint8Array.of(1) }))));
    const listing = await runCli(['dump', `--parameters=${file}`, '--verbose']);
    t.is(listing.code, 0, listing.stderr);
    t.notRegex(listing.stdout, /\u001b|\nparamflow dump: error: forged/);
    t.regex(listing.stdout, /`w\\nparamflow dump: error: forged`/);
    t.regex(listing.stdout, /`x\\u001b\[2J\\u001b\[H`/);
    const missing = await runCli(['dump', `--parameters=${file}`, `--extract=${'nope\nparamflow: forged'}=${join(dir, 'o.bin')}`]);
    t.is(missing.code, 1);
    t.is(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    t.regex(missing.stderr, /nope\\nparamflow: forged/);
    const warned = await runCli(['convert', `--parameters=${file}`, `--exclude=${'none\u001b[2J'}`, `--output=${join(dir, 'o.irpa')}`, '--quiet']);
    t.is(warned.code, 0, warned.stderr);
    t.regex(warned.stderr, /warning: --exclude=none\\u001b\[2J names no parameter/);
  });
});
