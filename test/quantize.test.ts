import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QUANTIZED_TYPES } from '../src/kernels/quantize.js';
import { openSource } from '../src/sources/open.js';
import { runCli, tensorHashes } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';

const reference = join(sharedDir, 'real/gguf/ggml-reference');

test("--quantize gives ggml's reference quantizer's blocks byte for byte, for every type it writes and every tensor", async (t) => {
  const rows = (await readFile(join(reference, 'quantize.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  await inTempDir(async (dir) => {
    for (const type of QUANTIZED_TYPES) {
      const out = join(dir, `${type}.gguf`);
      // Named, 1-D tensors are quantized too (norm.64 is one); :keep leaves it where 256-value blocks do not divide its row.
      const r = await runCli(['convert', `--parameters=${join(reference, 'quant-source.gguf')}`, `--quantize=*=${type.toLowerCase()}:keep`, `--output=${out}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
      const got = await tensorHashes(out);
      const want = rows.filter((row) => row[1] === type.toLowerCase());
      t.true(want.length >= 4, type);
      for (const [tensor, , bytes, sha] of want) t.is(got.get(tensor!), sha, `${tensor} ${type} (${bytes} bytes)`);
    }
  });
});

test('a bare --quantize leaves 1-D tensors and refuses rows its blocks do not divide, unless :keep; GGUF records the type, safetensors cannot hold it', async (t) => {
  await inTempDir(async (dir) => {
    const model = join(sharedDir, 'real/gguf/stories260K.gguf');
    let r = await runCli(['convert', `--parameters=${model}`, '--quantize=q8_0', `--output=${join(dir, 'x.gguf')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /parameter 'blk\.0\.ffn_down\.weight' has rows of 172 elements, which Q8_0's blocks of 32 do not divide/);
    const out = join(dir, 'q8.gguf');
    r = await runCli(['convert', `--parameters=${model}`, '--quantize=q8_0:keep', `--output=${out}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    const written = (await openSource(out)).parameters;
    const types = new Map(written.map((p) => [p.key, p.tensor?.dtype]));
    t.is(types.get('blk.0.attn_q.weight'), 'Q8_0');
    t.is(types.get('blk.0.attn_norm.weight'), 'F32', 'a norm stays f32');
    t.is(types.get('blk.0.ffn_down.weight'), 'F32', 'rows of 172 are kept');
    r = await runCli(['convert', `--parameters=${model}`, '--quantize=q4_0:keep', `--output=${join(dir, 'y.safetensors')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /is Q4_0, which safetensors cannot express/);
    r = await runCli(['convert', `--parameters=${model}`, '--quantize=q3_k', `--output=${join(dir, 'z.gguf')}`]);
    t.is(r.code, 2);
    t.regex(r.stderr, /--quantize=q3_k: 'q3_k' is not a type paramflow quantizes to/);
    r = await runCli(['convert', `--parameters=${model}`, '--quantize=q8_0:all', `--output=${join(dir, 'z.gguf')}`]);
    t.is(r.code, 2);
  });
});
