import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { hasVectors, vectorsDir, inTempDir } from './helpers/paths.js';

/**
 * Conformance with IREE's own tools: every `iree-create-parameters` row of
 * the manifest, run as `paramflow create`, gives the same bytes and prints the
 * same table; every archive dumps to IREE's listing.
 */
interface Row {
  id: string;
  tool: string;
  args: string[];
  output: string;
  sha256: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function manifest(): Row[] {
  const text = readFileSync(join(vectorsDir, 'MANIFEST.tsv'), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, tool, args, output, sha] = line.split('\t');
      return { id: id!, tool: tool!, args: args!.split(' '), output: output!, sha256: sha! };
    });
}

if (!hasVectors) {
  test('IREE conformance vectors', (t) => t.fail(`no vectors at ${vectorsDir}; set PARAMFLOW_SHARED to the shared/ folder`));
} else {
  const rows = manifest().filter((r) => r.tool === 'create');

  for (const row of rows) {
    test(`create ${row.id} matches iree-create-parameters byte for byte`, async (t) => {
      await inTempDir(async (dir) => {
        const output = join(dir, `${row.id}.irpa`);
        const args = row.args.map((a) => (a.startsWith('--output=') ? `--output=${output}` : a));
        const r = await runCli(['create', ...args]);
        t.is(r.code, 0, r.stderr);
        t.is(sha256(await readFile(output)), row.sha256);
        t.is(r.stdout, await readFile(join(vectorsDir, 'stdout', `${row.id}.stdout.txt`), 'utf8'));
      });
    });
  }

  for (const row of manifest().filter((r) => r.tool === 'convert' && r.id !== 'v15')) {
    test(`convert ${row.id} matches iree-convert-parameters byte for byte`, async (t) => {
      await inTempDir(async (dir) => {
        const output = join(dir, `${row.id}.irpa`);
        const args = row.args.map((a) =>
          a.startsWith('--output=') ? `--output=${output}` : a.replace(/^(--parameters=(?:[^=]*=)?)(.*)$/, (_, flag, path) => `${flag}${join(vectorsDir, path)}`),
        );
        const r = await runCli(['convert', ...args]);
        t.is(r.code, 0, r.stderr);
        t.is(sha256(await readFile(output)), row.sha256);
        t.is(r.stdout, await readFile(join(vectorsDir, 'stdout', `${row.id}.stdout.txt`), 'utf8'));
      });
    });
  }

  test('convert v15 is refused: IREE writes two parameters under one key', async (t) => {
    await inTempDir(async (dir) => {
      const input = (scope: string, path: string) => `--parameters=${scope}=${join(vectorsDir, 'inputs', path)}`;
      const inputs = [input('x', 'multiple.gguf'), input('y', 'single.safetensors'), input('x', 'parameters_a.safetensors')];
      const output = join(dir, 'v15.irpa');
      const r = await runCli(['convert', ...inputs, `--output=${output}`]);
      t.is(r.code, 1);
      t.regex(r.stderr, /two parameters would both be written as 'tensor0': 'x::tensor0' from .*multiple\.gguf and 'y::tensor0' from .*single\.safetensors/);
      t.false(existsSync(output));
      // Qualifying the key by scope settles it.
      const fixed = await runCli(['convert', ...inputs, '--rename=y::tensor0=y.tensor0', `--output=${output}`, '--json']);
      t.is(fixed.code, 0, fixed.stderr);
      const keys = fixed.stdout.trim().split('\n').map((l) => JSON.parse(l).key).filter(Boolean);
      t.deepEqual(keys, ['tensor0', 'tensor1', 'tensor2', 'a0', 'a1', 'y.tensor0']);
    });
  });

  const archives = [
    ...readdirSync(join(vectorsDir, 'out')).filter((f) => f.endsWith('.irpa')).map((f) => ({ file: `out/${f}`, dump: `${f.replace(/\.irpa$/, '')}.dump.txt` })),
    ...readdirSync(join(vectorsDir, 'inputs')).map((f) => ({ file: `inputs/${f}`, dump: `inputs-${f}.dump.txt` })),
  ];

  for (const { file, dump } of archives) {
    test(`dump ${file} prints iree-dump-parameters' listing and the bytes it points at`, async (t) => {
      const path = join(vectorsDir, file);
      const expected = await readFile(join(vectorsDir, 'dump', dump), 'utf8');
      const listing = await runCli(['dump', `--parameters=${path}`]);
      t.is(listing.code, 0, listing.stderr);
      t.is(listing.stdout, expected);

      // The hashes paramflow reports are those of the bytes at IREE's offsets.
      const bytes = await readFile(path);
      const rows = [...expected.matchAll(/^ +(\d+|-) \| +(\d+|-) \| +(\d+) \| `(.*)`$/gm)];
      const json = await runCli(['dump', `--parameters=${path}`, '--json', '--hash']);
      const objects = json.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      t.is(objects.length, rows.length);
      rows.forEach(([, start, end, length, key], i) => {
        const o = objects[i];
        t.is(o.key, key);
        t.is(o.length, Number(length));
        t.is(o.storage, start === '-' ? 'splat' : 'data');
        if (start !== '-') t.is(o.sha256, sha256(bytes.subarray(Number(start), Number(end))));
      });
    });
  }

  test('dump lists several scopes of mixed formats as IREE does', async (t) => {
    const r = await runCli([
      'dump',
      `--parameters=s=${join(vectorsDir, 'inputs/multiple.gguf')}`,
      `--parameters=t=${join(vectorsDir, 'inputs/multiple.safetensors')}`,
      `--parameters=${join(vectorsDir, 'inputs/mixed.irpa')}`,
    ]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, await readFile(join(vectorsDir, 'dump', 'scoped.dump.txt'), 'utf8'));
  });

  test('dump --extract from safetensors and a scoped GGUF writes what IREE extracted', async (t) => {
    await inTempDir(async (dir) => {
      const r = await runCli([
        'dump',
        `--parameters=${join(vectorsDir, 'inputs/multiple.safetensors')}`,
        `--parameters=s=${join(vectorsDir, 'inputs/multiple.gguf')}`,
        `--extract=tensor1=${join(dir, 'tensor1.bin')}`,
        `--extract=s::tensor2=${join(dir, 's_tensor2.bin')}`,
      ]);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, /Extracting parameter `s::tensor2` \(48b\)/);
      for (const name of ['tensor1.bin', 's_tensor2.bin']) {
        t.deepEqual(await readFile(join(dir, name)), await readFile(join(vectorsDir, 'extract', name)), name);
      }
    });
  });

  test('dump --extract writes what IREE extracted, and splats expanded', async (t) => {
    await inTempDir(async (dir) => {
      const c01 = join(vectorsDir, 'out/c01.irpa');
      const out = join(dir, 'pattern2.bin');
      const r = await runCli(['dump', `--parameters=${c01}`, `--extract=my.pattern_param_2=${out}`]);
      t.is(r.code, 0, r.stderr);
      t.true(r.stdout.endsWith(`Extracting parameter \`my.pattern_param_2\` (64b) to \`${out}\`...\n`));
      t.deepEqual(await readFile(out), await readFile(join(vectorsDir, 'extract/pattern2.bin')));

      const splat = join(dir, 'splat.bin');
      const s = await runCli(['dump', `--parameters=x=${join(vectorsDir, 'out/c02.irpa')}`, `--extract=x::my.splat_param_2=${splat}`]);
      t.is(s.code, 0, s.stderr);
      const bytes = await readFile(splat);
      t.is(bytes.length, 2 * 4096 * 2);
      t.true(bytes.every((b, i) => b === (i % 2 === 0 ? 123 : 0)));
    });
  });
}
