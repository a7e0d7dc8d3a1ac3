import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEQUANTIZED_TYPES } from '../src/kernels/dequantize.js';
import { openSource } from '../src/sources/open.js';
import { runCli, tensorHashes } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';

const realGguf = join(sharedDir, 'real/gguf');


test("--cast=f32 dequantizes every tensor of every type it reads to ggml's own f32 values, bit for bit, in every real GGUF file", async (t) => {
  const rows = (await readFile(join(realGguf, 'ggml-reference/dequantize.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  const supported = rows.filter(([, , type]) => DEQUANTIZED_TYPES.includes(type!.toUpperCase()) || ['F16', 'BF16'].includes(type!.toUpperCase()));
  t.true(supported.length > 280, `${supported.length} of ${rows.length} rows`);
  await inTempDir(async (dir) => {
    for (const file of new Set(supported.map(([file]) => file!))) {
      // GGUF holds the types not dequantized (the IQ grids) beside the f32 ones.
      const out = join(dir, `${file.replaceAll('/', '_')}.gguf`);
      const r = await runCli(['convert', `--parameters=${join(realGguf, file)}`, '--cast=f32', `--output=${out}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
      const got = await tensorHashes(out);
      for (const [, tensor, type, , sha] of supported.filter(([f]) => f === file)) t.is(got.get(tensor!), sha, `${file} ${tensor} (${type})`);
    }
  });
});

test('dequantized to f16 or bf16, a tensor holds its f32 values cast; a big-endian file gives its twin\'s values; other targets and unread types are refused by name', async (t) => {
  await inTempDir(async (dir) => {
    const source = join(realGguf, 'stories260K-Q4_K_M.gguf');
    const [f32, f16, viaF32] = [join(dir, 'a.safetensors'), join(dir, 'b.safetensors'), join(dir, 'c.safetensors')];
    t.is((await runCli(['convert', `--parameters=${source}`, '--cast=f32', `--output=${f32}`, '--quiet'])).code, 0);
    t.is((await runCli(['convert', `--parameters=${source}`, '--cast=f16', `--output=${f16}`, '--quiet'])).code, 0);
    t.is((await runCli(['convert', `--parameters=${f32}`, '--cast=f16', `--output=${viaF32}`, '--quiet'])).code, 0);
    t.deepEqual(await tensorHashes(f16), await tensorHashes(viaF32));
    const types = new Set((await openSource(f16)).parameters.map((p) => p.tensor?.dtype));
    t.deepEqual([...types].sort(), ['F16']);
    // Big-endian blocks are swapped field by field, then dequantized: the same as the file made little-endian first.
    const be = join(realGguf, 'bigendian/gguf-py-quants-be.gguf');
    const [le, direct, viaLe] = [join(dir, 'le.gguf'), join(dir, 'direct.gguf'), join(dir, 'via-le.gguf')];
    t.is((await runCli(['convert', `--parameters=${be}`, `--output=${le}`, '--quiet'])).code, 0);
    t.is((await runCli(['convert', `--parameters=${be}`, '--cast=f32', `--output=${direct}`, '--quiet'])).code, 0);
    t.is((await runCli(['convert', `--parameters=${le}`, '--cast=f32', `--output=${viaLe}`, '--quiet'])).code, 0);
    t.deepEqual(await tensorHashes(direct), await tensorHashes(viaLe));
    t.deepEqual([...new Set((await openSource(direct)).parameters.map((p) => p.tensor?.dtype))], ['F32']);
    let r = await runCli(['convert', `--parameters=${source}`, '--cast=f8e4m3fn', `--output=${join(dir, 'x.safetensors')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /parameter .* is Q\w+, which is dequantized to F32, F16 or BF16, not F8_E4M3/);
    r = await runCli(['convert', `--parameters=${join(realGguf, 'quantzoo-stories260K-token_embd.gguf')}`, '--cast=iq2_xxs=f32', `--output=${join(dir, 'y.gguf')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /parameter 'iq2_xxs' is IQ2_XXS, which cast cannot read; it reads floats, integers and Q4_0/);
  });
});
