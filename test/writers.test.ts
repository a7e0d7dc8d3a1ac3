import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';
import { safetensorsFile, type StTensor } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const stories = join(sharedDir, 'real/gguf/stories260K.gguf');

/** Key, dtype, shape and sha256 of every parameter, sorted by key. */
async function fingerprint(path: string): Promise<string[]> {
  const r = await runCli(['dump', `--parameters=${path}`, '--json', '--hash']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((o) => `${o.key} ${o.dtype} ${JSON.stringify(o.shape)} ${o.sha256}`)
    .sort();
}

test("GGUF to GGUF rewrites llama.cpp's file byte for byte", async (t) => {
  await inTempDir(async (dir) => {
    const out = join(dir, 'out.gguf');
    const r = await runCli(['convert', `--parameters=${stories}`, '--format=gguf', `--output=${out}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    t.is(sha256(await readFile(out)), sha256(await readFile(stories)));
  });
});

test('GGUF to safetensors to GGUF keeps every byte, dtype, shape and the metadata', async (t) => {
  await inTempDir(async (dir) => {
    const st = join(dir, 'model.safetensors');
    const back = join(dir, 'back.gguf');
    t.is((await runCli(['convert', `--parameters=${stories}`, '--format=safetensors', `--output=${st}`, '--quiet'])).code, 0);
    t.is((await runCli(['convert', `--parameters=${st}`, '--format=gguf', `--output=${back}`, '--quiet'])).code, 0);
    const original = await fingerprint(stories);
    t.is(original.length, 48);
    t.deepEqual((await fingerprint(st)).map((f) => f.split(' ').slice(2).join(' ')), original.map((f) => f.split(' ').slice(2).join(' ')));
    t.deepEqual(await fingerprint(back), original);
  });
});

test('safetensors to IRPA with tensor metadata and back keeps dtype, shape and __metadata__-free bytes', async (t) => {
  await inTempDir(async (dir) => {
    const tensors: StTensor[] = [
      { name: 'a', dtype: 'BF16', shape: [3, 4], payload: randomBytes(24) },
      { name: 'b', dtype: 'F4', shape: [8], payload: randomBytes(4) },
      { name: 'c', dtype: 'U8', shape: [5], payload: randomBytes(5) },
    ];
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile(tensors, { format: 'pt' }));
    const irpa = join(dir, 'mid.irpa');
    const back = join(dir, 'back.safetensors');
    t.is((await runCli(['convert', `--parameters=${input}`, '--tensor-metadata', `--output=${irpa}`, '--quiet'])).code, 0);
    const mid = await openSource(irpa);
    t.deepEqual(mid.parameters.map((p) => p.tensor), tensors.map((x) => ({ dtype: x.dtype, shape: x.shape })));
    // As iree-turbine writes it (compare real/irpa/pybind_tensor_saved_with_iree_turbine.irpa).
    t.is(
      Buffer.from(mid.parameters[0]!.metadata!).toString(),
      'PYTORCH:{"type": "Tensor", "dtype": "bfloat16", "shape": [3, 4], "dtype_desc": {"class_name": "dtype", "is_complex": false, "is_floating_point": true, "is_signed": true, "itemsize": 2}}',
    );
    t.regex(Buffer.from(mid.parameters[1]!.metadata!).toString(), /^TENSORv0:\{"dtype":"F4","shape":\[8\]\}$/, 'no PyTorch name: paramflow\'s own form');
    t.is((await runCli(['convert', `--parameters=${irpa}`, '--format=safetensors', `--output=${back}`, '--quiet'])).code, 0);
    t.deepEqual(await fingerprint(back), await fingerprint(input));
  });
});

test('splats are written expanded; formats that cannot express a dtype are refused', async (t) => {
  await inTempDir(async (dir) => {
    const irpa = join(dir, 'in.irpa');
    t.is((await runCli(['create', '--splat=s=4xf32=1.5', '--data=d=8xi8=3', `--output=${irpa}`, '--quiet'])).code, 0);
    const noFacts = await runCli(['convert', `--parameters=${irpa}`, '--format=safetensors', `--output=${join(dir, 'x.safetensors')}`]);
    t.is(noFacts.code, 1);
    t.regex(noFacts.stderr, /parameter 's' .* has no dtype and shape to write as safetensors; pass --raw-dtype=U8 to write/);

    const raw = join(dir, 'raw.safetensors');
    t.is((await runCli(['convert', `--parameters=${irpa}`, '--format=safetensors', '--raw-dtype=U8', `--output=${raw}`, '--quiet'])).code, 0);
    const bytes = await readFile(raw);
    const source = await openSource(raw);
    const s = source.parameters.find((p) => p.key === 's')!;
    const at = (s.storage as { source: { offset: number } }).source.offset;
    t.deepEqual(bytes.subarray(at, at + 16), Buffer.from(Float32Array.of(1.5, 1.5, 1.5, 1.5).buffer));

    const u8 = join(dir, 'u8.safetensors');
    await writeFile(u8, safetensorsFile([{ name: 'mask', dtype: 'BOOL', shape: [4], payload: Uint8Array.of(1, 0, 1, 1) }]));
    const gguf = await runCli(['convert', `--parameters=${u8}`, '--format=gguf', `--output=${join(dir, 'x.gguf')}`]);
    t.is(gguf.code, 1);
    t.regex(gguf.stderr, /parameter 'mask' is BOOL, which GGUF cannot express/);
    const quantized = await runCli(['convert', `--parameters=${join(sharedDir, 'real/gguf/stories260K-Q4_K_M.gguf')}`, '--format=safetensors', `--output=${join(dir, 'q.safetensors')}`]);
    t.is(quantized.code, 1);
    t.regex(quantized.stderr, /is Q\d_\w+, which safetensors cannot express/);
  });
});
