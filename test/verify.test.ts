import test from 'ava';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { inTempDir, repoRoot, sharedDir } from './helpers/paths.js';

const real = join(sharedDir, 'real/gguf');

test('verify: the same parameters in other formats, a split and a big-endian twin are the same; exit 0', async (t) => {
  await inTempDir(async (dir) => {
    const st = join(dir, 'model.safetensors');
    t.is((await runCli(['convert', `--parameters=${join(real, 'stories260K.gguf')}`, '--format=safetensors', `--output=${st}`, '--quiet'])).code, 0);
    for (const other of [st, join(real, 'split/stories260K-00001-of-00003.gguf'), join(real, 'bigendian/stories260K-F32-BE.gguf')]) {
      const r = await runCli(['verify', join(real, 'stories260K.gguf'), other]);
      t.is(r.code, 0, r.stdout + r.stderr);
      t.regex(r.stdout, /^same: 48 parameters in A, 48 in B, 48 compared, 0 differ\n$/);
    }
  });
});

test('verify: each difference is listed (missing, extra, dtype, shape, bytes), exit 1, and --json gives them all', async (t) => {
  await inTempDir(async (dir) => {
    const edited = join(dir, 'edited.irpa');
    const r = await runCli([
      'convert',
      `--parameters=${join(real, 'stories260K.gguf')}`,
      '--exclude=output.weight',
      '--rename=token_embd.weight=embed',
      '--splat=blk.0.attn_q.weight=f32=1',
      '--tensor-metadata',
      `--output=${edited}`,
      '--quiet',
    ]);
    t.is(r.code, 0, r.stderr);
    const v = await runCli(['verify', join(real, 'stories260K.gguf'), edited]);
    t.is(v.code, 1);
    t.regex(v.stdout, /^- output\.weight: only in A$/m);
    t.regex(v.stdout, /^- token_embd\.weight: only in A$/m);
    t.regex(v.stdout, /^\+ embed: only in B$/m);
    t.regex(v.stdout, /^~ blk\.0\.attn_q\.weight: sha256 [0-9a-f]{64} in A, [0-9a-f]{64} in B$/m);
    t.regex(v.stdout, /different: 48 parameters in A, 47 in B, 46 compared, 4 differ/);

    const f16 = await runCli(['verify', join(real, 'stories260K.gguf'), join(real, 'stories260K-F16.gguf'), '--json']);
    t.is(f16.code, 1);
    const result = JSON.parse(f16.stdout);
    t.false(result.same);
    const kinds = new Set(result.differences.map((d: { kind: string }) => d.kind));
    t.true(kinds.has('dtype') && kinds.has('length'));
    t.like(result.differences.find((d: { kind: string }) => d.kind === 'dtype'), { a: 'F32', b: 'F16' });
    const quiet = await runCli(['verify', join(repoRoot, 'examples/tiny.irpa'), join(repoRoot, 'examples/tiny.irpa'), '--quiet']);
    t.is(quiet.code, 0);
    t.is(quiet.stdout, '');
    const usage = await runCli(['verify', join(repoRoot, 'examples/tiny.irpa')]);
    t.is(usage.code, 2);
  });
});
