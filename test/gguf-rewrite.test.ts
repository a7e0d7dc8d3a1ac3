import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GgufValueType } from '../src/formats/gguf/types.js';
import { runCli, spawnCli } from './helpers/cli.js';
import { ggufFile, ggufHeaderOf } from './helpers/gguf-bytes.js';
import { inTempDir, sharedDir } from './helpers/paths.js';

const realGguf = join(sharedDir, 'real/gguf');
/** Every real little-endian GGUF file that stands alone (big-endian ones are swapped on the way: gguf-byte-order.test). */
export const REAL_GGUF = [
  'stories260K.gguf',
  'stories260K-F16.gguf',
  'stories260K-BF16.gguf',
  'stories260K-Q2_K.gguf',
  'stories260K-Q4_K_M.gguf',
  'stories260K-Q6_K.gguf',
  'quantzoo-stories260K-token_embd.gguf',
  'gguf-py-quants.gguf',
  'llama-2-tiny-random.gguf',
  'ggml-vocab-bert-bge.gguf',
  'ggml-vocab-llama-spm.gguf',
  'ggml-vocab-deepseek-llm.gguf',
  'ggml-reference/quant-source.gguf',
  ...['IQ4_XS', 'Q2_K', 'Q3_K_S', 'Q4_K_M', 'Q5_K_S', 'Q6_K'].map((q) => `kquants/tiny256-${q}.gguf`),
];


test('every real GGUF file rewritten GGUF to GGUF is byte-identical', async (t) => {
  await inTempDir(async (dir) => {
    for (const name of REAL_GGUF) {
      const out = join(dir, 'out.gguf');
      const r = await runCli(['convert', `--parameters=${join(realGguf, name)}`, '--format=gguf', `--output=${out}`, '--quiet']);
      t.is(r.code, 0, `${name}: ${r.stderr}`);
      t.true((await readFile(out)).equals(await readFile(join(realGguf, name))), name);
    }
  });
});

test('every real GGUF file round-trips through IRPA and through safetensors to the same bytes', async (t) => {
  await inTempDir(async (dir) => {
    let throughSafetensors = 0;
    for (const name of REAL_GGUF) {
      const input = join(realGguf, name);
      const original = await readFile(input);
      for (const via of ['irpa', 'safetensors'] as const) {
        const middle = join(dir, `mid.${via}`);
        const out = join(dir, 'out.gguf');
        const there = await runCli(['convert', `--parameters=${input}`, `--format=${via}`, `--output=${middle}`, '--quiet', '--tensor-metadata']);
        if (via === 'safetensors' && there.code === 1) {
          // Quantized ggml types have no safetensors dtype.
          t.regex(there.stderr, /is (Q\d|IQ|TQ|MXFP)\w*, which safetensors cannot express/, name);
          continue;
        }
        t.is(there.code, 0, `${name} to ${via}: ${there.stderr}`);
        const back = await runCli(['convert', `--parameters=${middle}`, '--format=gguf', `--output=${out}`, '--quiet']);
        t.is(back.code, 0, `${name} back from ${via}: ${back.stderr}`);
        t.true((await readFile(out)).equals(original), `${name} through ${via}`);
        if (via === 'safetensors') ++throughSafetensors;
      }
    }
    // The F32, F16 and BF16 models and the vocabulary files.
    t.true(throughSafetensors >= 7, `${throughSafetensors} through safetensors`);
  });
});

test('plain IRPA output leaves the metadata out, with one note, and stays as IREE writes it', async (t) => {
  await inTempDir(async (dir) => {
    const plain = join(dir, 'plain.irpa');
    const r = await runCli(['convert', `--parameters=${join(realGguf, 'stories260K.gguf')}`, `--output=${plain}`, '--json']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /note: \d+ GGUF metadata keys not written \(IRPA keeps them with --tensor-metadata\)/);
    // --quiet keeps warnings and errors only.
    const quiet = await runCli(['convert', `--parameters=${join(realGguf, 'stories260K.gguf')}`, `--output=${plain}`, '--quiet']);
    t.is(quiet.stderr, '');
    const back = await runCli(['convert', `--parameters=${plain}`, '--format=gguf', '--raw-dtype=I8', `--output=${join(dir, 'b.gguf')}`, '--quiet']);
    t.is(back.code, 0, back.stderr);
    const header = await ggufHeaderOf(join(dir, 'b.gguf'));
    t.is(header.entries.length, 0);
  });
});

test('GGUF strings are bytes: a byte-order mark and invalid UTF-8 are kept as stored', async (t) => {
  const spm = await ggufHeaderOf(join(realGguf, 'ggml-vocab-llama-spm.gguf'));
  const tokens = spm.kv.get('tokenizer.ggml.tokens')!.value as { items: Uint8Array[] };
  t.deepEqual([...tokens.items[30143]!], [0xef, 0xbb, 0xbf]);

  const odd = [Uint8Array.of(0xef, 0xbb, 0xbf), Uint8Array.of(0xff, 0xfe, 0x41), Uint8Array.of(0xc3)];
  const bytes = ggufFile({
    kv: [
      { key: 'general.architecture', type: GgufValueType.STRING, value: 'llama' },
      { key: 'bom', type: GgufValueType.STRING, value: odd[0]! },
      { key: 'tokens', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, items: odd } },
    ],
    tensors: [{ name: 'w', dims: [4], typeId: 0, payload: new Uint8Array(16).fill(7) }],
  });
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.gguf');
    await writeFile(input, bytes);
    const h = await ggufHeaderOf(input);
    t.deepEqual(h.kv.get('bom')!.value, odd[0]);
    t.deepEqual((h.kv.get('tokens')!.value as { items: Uint8Array[] }).items, odd);
    for (const via of ['gguf', 'safetensors', 'irpa'] as const) {
      const middle = join(dir, `mid.${via}`);
      const out = join(dir, `out-${via}.gguf`);
      const flags = via === 'irpa' ? ['--tensor-metadata'] : [];
      t.is((await runCli(['convert', `--parameters=${input}`, `--format=${via}`, `--output=${middle}`, '--quiet', ...flags])).code, 0);
      const back = await runCli(['convert', `--parameters=${middle}`, '--format=gguf', `--output=${out}`, '--quiet']);
      t.is(back.code, 0, back.stderr);
      t.true((await readFile(out)).equals(Buffer.from(bytes)), `through ${via}`);
    }
  });
});

test('a GGUF read from a tar, as a file or piped, keeps its metadata', async (t) => {
  await inTempDir(async (dir) => {
    const name = 'llama-2-tiny-random.gguf';
    const tar = join(dir, 'model.tar');
    execFileSync('tar', ['-cf', tar, '-C', realGguf, name]);
    const out = join(dir, 'out.gguf');
    const r = await runCli(['convert', `--parameters=${tar}`, '--format=gguf', `--output=${out}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    t.true((await readFile(out)).equals(await readFile(join(realGguf, name))));
    const piped = spawnCli(['convert', '--parameters=-', '--format=gguf', `--output=${join(dir, 'piped.gguf')}`, '--quiet'], { input: await readFile(tar) });
    t.is(piped.code, 0, piped.stderr);
    t.true((await readFile(join(dir, 'piped.gguf'))).equals(await readFile(join(realGguf, name))));
  });
});

test('safetensors __metadata__ travels through GGUF and IRPA and comes back as it was', async (t) => {
  const input = join(sharedDir, 'real/safetensors/dtype-samples/f.safetensors');
  await inTempDir(async (dir) => {
    // The file as paramflow writes it (its writer pads the header to 8 bytes; this file's writer did not).
    const rewritten = join(dir, 'rewritten.safetensors');
    t.is((await runCli(['convert', `--parameters=${input}`, '--format=safetensors', `--output=${rewritten}`, '--quiet'])).code, 0);
    const original = await readFile(rewritten);
    t.regex(original.toString('latin1'), /"__metadata__":\{"test":"a"\}/);
    for (const via of ['gguf', 'irpa'] as const) {
      const middle = join(dir, `mid.${via}`);
      const out = join(dir, 'out.safetensors');
      t.is((await runCli(['convert', `--parameters=${input}`, `--format=${via}`, `--output=${middle}`, '--quiet', '--tensor-metadata'])).code, 0);
      const back = await runCli(['convert', `--parameters=${middle}`, '--format=safetensors', `--output=${out}`, '--quiet']);
      t.is(back.code, 0, back.stderr);
      t.true((await readFile(out)).equals(original), via);
    }
  });
});

test('GGUF alignment: a source\'s general.alignment is kept in its place, and --align sets it', async (t) => {
  const tensors = [
    { name: 'a', dims: [3], typeId: 0, payload: new Uint8Array(12).fill(1) },
    { name: 'b', dims: [5], typeId: 0, payload: new Uint8Array(20).fill(2) },
  ];
  const kv = [{ key: 'general.architecture', type: GgufValueType.STRING, value: 'llama' }];
  const aligned = ggufFile({ kv, tensors, alignment: 64 });
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.gguf');
    await writeFile(input, aligned);
    const same = join(dir, 'same.gguf');
    t.is((await runCli(['convert', `--parameters=${input}`, '--format=gguf', `--output=${same}`, '--quiet'])).code, 0);
    t.true((await readFile(same)).equals(Buffer.from(aligned)));

    const wider = join(dir, 'wider.gguf');
    const r = await runCli(['convert', `--parameters=${input}`, '--format=gguf', '--align=256', `--output=${wider}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    const header = await ggufHeaderOf(wider);
    t.is(header.alignment, 256);
    t.deepEqual(header.entries.map((e) => e.key), ['general.architecture', 'general.alignment']);
    t.is(header.dataOffset % 256, 0);
    t.deepEqual(header.tensors.map((x) => x.offset % 256), [0, 0]);

    const plain = ggufFile({ kv, tensors });
    await writeFile(input, plain);
    t.is((await runCli(['convert', `--parameters=${input}`, '--format=gguf', '--align=64', `--output=${wider}`, '--quiet'])).code, 0);
    const set = await ggufHeaderOf(wider);
    t.is(set.alignment, 64);
    t.is(set.kv.get('general.alignment')?.value, 64);
  });
});
