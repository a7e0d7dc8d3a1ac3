import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';
import { safetensorsFile, type StTensor } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function fingerprint(...paths: string[]): Promise<string[]> {
  const r = await runCli(['dump', ...paths.map((p) => `--parameters=${p}`), '--json', '--hash']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((o) => `${o.key} ${o.length} ${o.dtype ?? ''} ${JSON.stringify(o.shape ?? null)} ${o.sha256}`);
}

const tensors = (): StTensor[] => Array.from({ length: 12 }, (_, i) => ({ name: `blk.${i}.weight`, dtype: 'F16', shape: [100 * (i + 1)], payload: randomBytes(200 * (i + 1)) }));

test("a GGUF split by 16 tensors matches llama-gguf-split's files byte for byte", async (t) => {
  await inTempDir(async (dir) => {
    const out = join(dir, 'split');
    const r = await runCli(['reshard', `--parameters=${join(sharedDir, 'real/gguf/stories260K.gguf')}`, '--format=gguf', '--max-shard-params=16', `--output=${out}`, '--prefix=stories260K']);
    t.is(r.code, 0, r.stderr);
    for (const n of [1, 2, 3]) {
      const name = `stories260K-0000${n}-of-00003.gguf`;
      t.is(sha256(await readFile(join(out, name))), sha256(await readFile(join(sharedDir, 'real/gguf/split', name))), name);
    }
  });
});

test('IRPA into shards by size and back into one archive keeps every byte; shards respect the limit', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile(tensors()));
    const irpa = join(dir, 'whole.irpa');
    t.is((await runCli(['convert', `--parameters=${input}`, '--tensor-metadata', `--output=${irpa}`, '--quiet'])).code, 0);
    const shards = join(dir, 'shards');
    const r = await runCli(['reshard', `--parameters=${irpa}`, '--max-shard-size=5000', `--output=${shards}`]);
    t.is(r.code, 0, r.stderr);
    const files = (await readdir(shards)).sort();
    t.true(files.length > 2);
    t.deepEqual(r.stdout.trim().split('\n'), files);
    for (const f of files) {
      const held = (await openSource(join(shards, f))).parameters;
      const bytes = held.reduce((n, p) => n + p.length, 0);
      t.true(bytes <= 5000 || held.length === 1, `${f}: ${bytes} bytes`);
    }
    const merged = join(dir, 'merged.irpa');
    t.is((await runCli(['convert', ...files.map((f) => `--parameters=${join(shards, f)}`), `--output=${merged}`, '--quiet'])).code, 0);
    t.deepEqual(await fingerprint(merged), await fingerprint(irpa));
  });
});

test('safetensors shards come with an index that reads back as the whole checkpoint', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    const list = tensors();
    await writeFile(input, safetensorsFile(list, { format: 'pt' }));
    const out = join(dir, 'hf');
    const r = await runCli(['reshard', `--parameters=${input}`, '--format=safetensors', '--shards=3', `--output=${out}`]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual((await readdir(out)).sort(), ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json']);
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    t.is(index.metadata.total_size, list.reduce((n, x) => n + x.payload.length, 0));
    // Keys sorted, as Hugging Face writes them.
    t.deepEqual(Object.keys(index.weight_map), list.map((x) => x.name).sort());
    t.deepEqual(await fingerprint(join(out, 'model.safetensors.index.json')), await fingerprint(input));
    const shard = await openSource(join(out, 'model-00002-of-00003.safetensors'));
    t.deepEqual(Object.fromEntries(shard.metadata.safetensors), { format: 'pt' });
    // And back into one file.
    const merged = join(dir, 'merged.safetensors');
    t.is((await runCli(['convert', `--parameters=${join(out, 'model.safetensors.index.json')}`, '--format=safetensors', `--output=${merged}`, '--quiet'])).code, 0);
    t.deepEqual(await fingerprint(merged), await fingerprint(input));
    t.deepEqual(Object.fromEntries((await openSource(merged)).metadata.safetensors), { format: 'pt' });
  });
});

test('a parameter over the limit gets a shard of its own, with a warning', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile([{ name: 'small', dtype: 'U8', shape: [10], payload: randomBytes(10) }, { name: 'big', dtype: 'U8', shape: [100], payload: randomBytes(100) }, { name: 'tail', dtype: 'U8', shape: [10], payload: randomBytes(10) }]));
    const out = join(dir, 'out');
    const r = await runCli(['reshard', `--parameters=${input}`, '--format=safetensors', '--max-shard-size=50', `--output=${out}`]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /warning: parameter 'big' \(100 bytes\) is larger than the shard size limit \(50\)/);
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    t.deepEqual(index.weight_map, { small: 'model-00001-of-00003.safetensors', big: 'model-00002-of-00003.safetensors', tail: 'model-00003-of-00003.safetensors' });
  });
});

test('a non-empty output is refused without --force; a failed reshard leaves nothing behind', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile([{ name: 'm', dtype: 'BOOL', shape: [4], payload: Uint8Array.of(1, 0, 0, 1) }]));
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'mine');
    const refused = await runCli(['reshard', `--parameters=${input}`, '--shards=1', `--output=${out}`]);
    t.is(refused.code, 2);
    t.regex(refused.stderr, /is not empty; pass --force to replace it/);
    t.deepEqual(await readdir(out), ['keep.txt']);

    const failed = await runCli(['reshard', `--parameters=${input}`, '--shards=1', '--format=gguf', `--output=${join(dir, 'new')}`]);
    t.is(failed.code, 1);
    t.regex(failed.stderr, /'m' is BOOL, which GGUF cannot express/);
    t.false(existsSync(join(dir, 'new')));
    t.deepEqual((await readdir(dir)).sort(), ['in.safetensors', 'out']);

    const forced = await runCli(['reshard', `--parameters=${input}`, '--shards=1', '--force', `--output=${out}`]);
    t.is(forced.code, 0, forced.stderr);
    // An IRPA set is named after its input.
    t.deepEqual(await readdir(out), ['in-00001-of-00001.irpa']);
  });
});

test('reshard needs exactly one split option', async (t) => {
  const r = await runCli(['reshard', '--parameters=x', '--output=y']);
  t.is(r.code, 2);
  t.regex(r.stderr, /give one of --max-shard-size, --max-shard-params or --shards/);
});

test("reshard takes convert's edits on the way", async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile(tensors()));
    const out = join(dir, 'out');
    const r = await runCli(['reshard', `--parameters=${input}`, '--format=safetensors', '--shards=2', '--exclude=blk.1?.*', '--rename=/blk\\.(\\d+)\\.weight/=layers.$1', `--output=${out}`, '--json']);
    t.is(r.code, 0, r.stderr);
    t.like(JSON.parse(r.stdout), { output: out, format: 'safetensors', parameters: 10, files: ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json'] });
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    t.deepEqual(Object.keys(index.weight_map), Array.from({ length: 10 }, (_, i) => `layers.${i}`));
  });
});

test('conventions: a safetensors set of one is a plain model.safetensors with no index; GGUF and IRPA sets are named after their input', async (t) => {
  await inTempDir(async (dir) => {
    const model = join(sharedDir, 'real/gguf/stories260K.gguf');
    const one = await runCli(['reshard', `--parameters=${model}`, '--format=safetensors', '--shards=1', `--output=${join(dir, 'hf')}`]);
    t.is(one.code, 0, one.stderr);
    t.deepEqual(await readdir(join(dir, 'hf')), ['model.safetensors']);
    const split = await runCli(['reshard', `--parameters=${model}`, '--format=gguf', '--shards=2', `--output=${join(dir, 'split')}`]);
    t.is(split.code, 0, split.stderr);
    t.deepEqual((await readdir(join(dir, 'split'))).sort(), ['stories260K-00001-of-00002.gguf', 'stories260K-00002-of-00002.gguf']);
    const dumped = await runCli(['dump', `--parameters=${model}`, '--json']);
    const embed = dumped.stdout.split('\n').map((l) => l && JSON.parse(l)).find((o) => o?.key === 'token_embd.weight');
    t.like(embed, { shape: [512, 64], ggmlShape: [64, 512] });
  });
});

test('--force never replaces a directory that holds an input: the input\'s own, a parent, or one reached through a link', async (t) => {
  await inTempDir(async (dir) => {
    await mkdir(join(dir, 'model'));
    const input = join(dir, 'model/in.safetensors');
    const bytes = safetensorsFile([{ name: 'w', dtype: 'U8', shape: [16], payload: randomBytes(16) }]);
    await writeFile(input, bytes);
    await symlink(join(dir, 'model'), join(dir, 'alias'));
    for (const output of [join(dir, 'model'), dir, join(dir, 'alias')]) {
      const r = await runCli(['reshard', `--parameters=${input}`, '--shards=1', '--force', `--output=${output}`]);
      t.is(r.code, 2, output);
      t.regex(r.stderr, /holds the input .*in\.safetensors: replacing it would delete the input/);
      t.deepEqual(await readFile(input), Buffer.from(bytes));
    }
    await writeFile(join(dir, 'job.yaml'), 'sources: [{ path: model/in.safetensors }]\nsinks: [{ shards: { dir: model, shards: 1, force: true } }]\n');
    const job = await runCli(['run', join(dir, 'job.yaml'), '--quiet']);
    t.is(job.code, 2);
    t.regex(job.stderr, /holds the input/);
    t.deepEqual(await readFile(input), Buffer.from(bytes));
  });
});
