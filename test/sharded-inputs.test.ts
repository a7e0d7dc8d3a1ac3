import test from 'ava';
import { randomBytes } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';
import { safetensorsFile, type StTensor } from './helpers/safetensors-bytes.js';

const split = (n: number) => join(sharedDir, 'real/gguf/split', `stories260K-0000${n}-of-00003.gguf`);

async function hashes(...flags: string[]) {
  const r = await runCli(['dump', ...flags.map((f) => `--parameters=${f}`), '--json', '--hash']);
  return { ...r, rows: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; length: number; sha256: string }) };
}

test("llama.cpp's split set reads as one, with the bytes of the unsplit file", async (t) => {
  const whole = await hashes(join(sharedDir, 'real/gguf/stories260K.gguf'));
  const parts = await hashes(split(1));
  t.is(parts.code, 0, parts.stderr);
  t.regex(parts.stderr, /read as one with its 2 other shards/);
  const key = (r: { key: string; length: number; sha256: string }) => `${r.key} ${r.length} ${r.sha256}`;
  t.deepEqual(parts.rows.map(key).sort(), whole.rows.map(key).sort());
  t.is(parts.rows.length, 48);
  const second = await hashes(split(2));
  t.regex(second.stderr, /is shard 2 of 3 of a split; name the first shard to read them all/);
});

test('a split with a missing or repeated shard is refused', async (t) => {
  await inTempDir(async (dir) => {
    const at = (n: number) => join(dir, `stories260K-0000${n}-of-00003.gguf`);
    await copyFile(split(1), at(1));
    await copyFile(split(3), at(3));
    const missing = await runCli(['dump', `--parameters=${at(1)}`]);
    t.is(missing.code, 1);
    t.regex(missing.stderr, /stories260K-00002-of-00003\.gguf: cannot open for reading: no such file/);

    await copyFile(split(2), at(2));
    await copyFile(split(2), at(3));
    const repeated = await runCli(['dump', `--parameters=${at(1)}`]);
    t.is(repeated.code, 1);
    t.regex(repeated.stderr, /00003-of-00003\.gguf: expected shard split\.no 2 of 3 .*but the file has split\.no 1 of split\.count 3/);
  });
});

function shardSet(tensors: StTensor[]) {
  const shards = [tensors.slice(0, 2), tensors.slice(2, 3), tensors.slice(3)];
  const names = shards.map((_, i) => `model-0000${i + 1}-of-00003.safetensors`);
  const weightMap: Record<string, string> = {};
  shards.forEach((list, i) => list.forEach((x) => (weightMap[x.name] = names[i]!)));
  return { shards, names, weightMap };
}

test('a safetensors index reads every shard as one checkpoint', async (t) => {
  await inTempDir(async (dir) => {
    const tensors: StTensor[] = Array.from({ length: 6 }, (_, i) => ({ name: `layer.${i}.weight`, dtype: 'BF16', shape: [4, i + 1], payload: randomBytes(8 * (i + 1)) }));
    await writeFile(join(dir, 'whole.safetensors'), safetensorsFile(tensors));
    const { shards, names, weightMap } = shardSet(tensors);
    for (const [i, list] of shards.entries()) await writeFile(join(dir, names[i]!), safetensorsFile(list));
    const total = tensors.reduce((n, x) => n + x.payload.length, 0);
    const index = join(dir, 'model.safetensors.index.json');
    await writeFile(index, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
    const whole = await hashes(join(dir, 'whole.safetensors'));
    const sharded = await hashes(index);
    t.is(sharded.code, 0, sharded.stderr);
    t.is(sharded.stderr, '');
    t.deepEqual(sharded.rows.map((r) => [r.key, r.sha256]), whole.rows.map((r) => [r.key, r.sha256]));

    const out = join(dir, 'out.irpa');
    t.is((await runCli(['convert', `--parameters=${index}`, `--output=${out}`, '--quiet'])).code, 0);
    t.deepEqual((await hashes(out)).rows.map((r) => r.sha256), whole.rows.map((r) => r.sha256));
  });
});

test('an index naming a missing shard, or a tensor its shard lacks, is refused', async (t) => {
  await inTempDir(async (dir) => {
    const tensors: StTensor[] = Array.from({ length: 4 }, (_, i) => ({ name: `t${i}`, dtype: 'U8', shape: [4], payload: randomBytes(4) }));
    const { shards, names, weightMap } = shardSet(tensors);
    for (const [i, list] of shards.entries()) if (i !== 1) await writeFile(join(dir, names[i]!), safetensorsFile(list));
    const index = join(dir, 'model.safetensors.index.json');
    await writeFile(index, JSON.stringify({ weight_map: weightMap }));
    const missing = await runCli(['dump', `--parameters=${index}`]);
    t.is(missing.code, 1);
    t.regex(missing.stderr, /model-00002-of-00003\.safetensors: cannot open for reading: no such file/);

    await writeFile(join(dir, names[1]!), safetensorsFile(shards[1]!));
    await writeFile(index, JSON.stringify({ weight_map: { ...weightMap, ghost: names[0] } }));
    const absent = await runCli(['dump', `--parameters=${index}`]);
    t.is(absent.code, 1);
    t.regex(absent.stderr, /weight_map puts 'ghost' in model-00001-of-00003\.safetensors, which does not hold it/);

    await writeFile(index, JSON.stringify({ weight_map: { t0: '../elsewhere.safetensors' } }));
    const escape = await runCli(['dump', `--parameters=${index}`]);
    t.is(escape.code, 1);
    t.regex(escape.stderr, /not a shard file beside the index/);
  });
});
