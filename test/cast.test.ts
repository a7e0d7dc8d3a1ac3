import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BF16, F16, F8E4M3FNUZ, F8E5M2, F8E5M2FNUZ, widenFloat, type MiniFloatFormat } from '../src/formats/minifloat.js';
import { castKernel, type CastTarget } from '../src/kernels/cast.js';
import { compute } from '../src/kernels/kernel.js';
import { openSource } from '../src/sources/open.js';
import { runCli, tensorHashes } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const E4M3FN: MiniFloatFormat = { expBits: 4, mantBits: 3, hasInf: false, nanAsNegZero: false, saturate: false };
const NARROW: [CastTarget, MiniFloatFormat, 1 | 2][] = [
  ['F16', F16, 2],
  ['BF16', BF16, 2],
  ['F8_E4M3', E4M3FN, 1],
  ['F8_E5M2', F8E5M2, 1],
  ['F8_E4M3FNUZ', F8E4M3FNUZ, 1],
  ['F8_E5M2FNUZ', F8E5M2FNUZ, 1],
];

const f32Bytes = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const f64Bytes = (values: number[]) => new Uint8Array(Float64Array.from(values).buffer);
const bitsOf = (bytes: Uint8Array, size: 1 | 2) => (size === 1 ? [...bytes] : [...new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)]);
const castF32 = (to: CastTarget, values: number[], size: 1 | 2) => bitsOf(compute(castKernel('F32', to), f32Bytes(values)), size);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('every value of each narrow type widens to f32 and f64 and casts back to the same bits; NaN stays NaN', (t) => {
  for (const [type, format, size] of NARROW) {
    const all = Array.from({ length: 1 << (8 * size) }, (_, bits) => bits);
    const bytes = size === 1 ? Uint8Array.from(all) : new Uint8Array(Uint16Array.from(all).buffer);
    const widened = new Float32Array(compute(castKernel(type, 'F32'), bytes.slice()).buffer.slice(0));
    const wide64 = new Float64Array(compute(castKernel(type, 'F64'), bytes.slice()).buffer.slice(0));
    let nans = 0;
    for (const bits of all) {
      const value = widenFloat(bits, format);
      if (Number.isNaN(value)) {
        nans += 1;
        t.true(Number.isNaN(widened[bits]!) && Number.isNaN(wide64[bits]!), `${type} ${bits}`);
        continue;
      }
      if (widened[bits] !== value || wide64[bits] !== value) t.fail(`${type} ${bits.toString(16)}: ${widened[bits]} ${wide64[bits]}, want ${value}`);
    }
    const back = bitsOf(compute(castKernel('F32', type), new Uint8Array(widened.buffer).slice()), size);
    const back64 = bitsOf(compute(castKernel('F64', type), new Uint8Array(wide64.buffer).slice()), size);
    const wrong = all.filter((bits) => !Number.isNaN(widenFloat(bits, format)) && (back[bits] !== bits || back64[bits] !== bits));
    t.deepEqual(wrong.slice(0, 5), [], `${type}: every finite value and infinity comes back`);
    const nanBack = all.filter((bits) => Number.isNaN(widenFloat(bits, format))).map((bits) => widenFloat(back[bits]!, format));
    t.true(nanBack.every(Number.isNaN), `${type}: ${nans} NaNs stay NaN`);
  }
});

test('halfway between two neighbours rounds to the even one, from f32 and from f64; a hair either side rounds to the nearer', (t) => {
  for (const [type, format, size] of NARROW) {
    // Every positive finite value, in order, with its bits.
    const finite = Array.from({ length: 1 << (8 * size) }, (_, bits) => ({ bits, value: widenFloat(bits, format) }))
      .filter(({ value }) => Number.isFinite(value) && value > 0)
      .sort((x, y) => x.value - y.value);
    const mids: number[] = [];
    const want: number[] = [];
    const below: number[] = [];
    const above: number[] = [];
    for (let i = 0; i + 1 < finite.length; ++i) {
      const [{ value: a, bits: ba }, { value: b, bits: bb }] = [finite[i]!, finite[i + 1]!];
      mids.push((a + b) / 2);
      want.push(ba % 2 === 0 ? ba : bb);
      below.push(ba);
      above.push(bb);
    }
    t.deepEqual(castF32(type, mids, size), want, `${type} from f32`);
    t.deepEqual(bitsOf(compute(castKernel('F64', type), f64Bytes(mids)), size), want, `${type} from f64`);
    const hair = (m: number, dir: number) => m + dir * m * 2 ** -40;
    t.deepEqual(bitsOf(compute(castKernel('F64', type), f64Bytes(mids.map((m) => hair(m, -1)))), size), below, `${type}: just under`);
    t.deepEqual(bitsOf(compute(castKernel('F64', type), f64Bytes(mids.map((m) => hair(m, 1)))), size), above, `${type}: just over`);
  }
});

test('overflow: infinity where the type has one, NaN for E4M3FN and the FNUZ types (as PyTorch and ml_dtypes); FNUZ has no -0', (t) => {
  t.deepEqual(castF32('F16', [65504, 65519.99, 65520, -1e9, Infinity], 2), [0x7bff, 0x7bff, 0x7c00, 0xfc00, 0x7c00]);
  t.deepEqual(castF32('BF16', [3.4e38, -3.4028235e38, Infinity], 2), [0x7f80, 0xff80, 0x7f80]);
  t.deepEqual(castF32('F8_E4M3', [448, 464, 470, 480, 1e6, -1e6, Infinity, NaN, -0], 1), [0x7e, 0x7e, 0x7f, 0x7f, 0x7f, 0xff, 0x7f, 0x7f, 0x80]);
  t.deepEqual(castF32('F8_E5M2', [57344, 61439, 61440, -1e6, NaN], 1), [0x7b, 0x7b, 0x7c, 0xfc, 0x7e]);
  t.deepEqual(castF32('F8_E4M3FNUZ', [240, 1e6, -1e6, Infinity, NaN, -0], 1), [0x7f, 0x80, 0x80, 0x80, 0x80, 0]);
  t.deepEqual(castF32('F8_E5M2FNUZ', [57344, 1e6, -0, NaN], 1), [0x7f, 0x80, 0, 0x80]);
  // A NaN keeps its sign through every cast that has one.
  const negativeNan = new Uint8Array(new Uint32Array([0xffc00000]).buffer);
  t.deepEqual(bitsOf(compute(castKernel('F32', 'F16'), negativeNan.slice()), 2), [0xfe00]);
  t.deepEqual(bitsOf(compute(castKernel('F32', 'BF16'), negativeNan.slice()), 2), [0xffc0]);
  t.deepEqual([...compute(castKernel('F32', 'F8_E4M3'), negativeNan.slice())], [0xff]);
});

test('casts agree with numpy on random and special values (f32 and f64 to f16, f64 to f32) and with bf16 rounding of the bit pattern', async (t) => {
  const python = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (python.status !== 0) return t.fail('python3 with numpy is needed: .ci/run installs it');
  await inTempDir(async (dir) => {
    const specials = [0, -0, 1, -1, 65504, 65519.99, 65520, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-45, 3.4e38, Infinity, -Infinity, NaN];
    const f32 = new Float32Array(1 << 18);
    new Uint8Array(f32.buffer).set(randomBytes(f32.byteLength));
    f32.set(specials);
    // Values in f16's range too, not only the random exponents of random bits.
    for (let i = 16; i < f32.length / 2; ++i) f32[i] = (Math.random() - 0.5) * 2 ** (Math.floor(Math.random() * 44) - 28);
    const f64 = Float64Array.from({ length: 1 << 16 }, (_, i) => (i < specials.length ? specials[i]! : (Math.random() - 0.5) * 2 ** (Math.floor(Math.random() * 300) - 150)));
    await writeFile(join(dir, 'f32.bin'), new Uint8Array(f32.buffer));
    await writeFile(join(dir, 'f64.bin'), new Uint8Array(f64.buffer));
    const script = `
import numpy as np, sys
d = sys.argv[1]
a = np.fromfile(d + '/f32.bin', dtype='<f4'); b = np.fromfile(d + '/f64.bin', dtype='<f8')
with np.errstate(all='ignore'):
    a.astype('<f2').tofile(d + '/f32-f16.bin'); b.astype('<f2').tofile(d + '/f64-f16.bin'); b.astype('<f4').tofile(d + '/f64-f32.bin')
u = a.view('<u4').astype(np.uint64)
bf = ((u + 0x7fff + ((u >> 16) & 1)) >> 16).astype('<u2')
nan = (u & 0x7fffffff) > 0x7f800000
bf[nan] = ((u[nan] >> 16) | 0x40).astype('<u2')
bf.tofile(d + '/f32-bf16.bin')
`;
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    const same = async (name: string, from: 'F32' | 'F64', to: CastTarget, input: Uint8Array) => {
      const want = await readFile(join(dir, `${name}.bin`));
      const got = compute(castKernel(from, to), input.slice());
      t.true(Buffer.from(got).equals(want), name);
    };
    await same('f32-f16', 'F32', 'F16', new Uint8Array(f32.buffer));
    await same('f32-bf16', 'F32', 'BF16', new Uint8Array(f32.buffer));
    await same('f64-f16', 'F64', 'F16', new Uint8Array(f64.buffer));
    await same('f64-f32', 'F64', 'F32', new Uint8Array(f64.buffer));
  });
});

const reference = join(sharedDir, 'real/gguf/ggml-reference');


test("--cast=f16 and --cast=bf16 give ggml's own casts byte for byte; f16 and bf16 cast to f32 give its dequantizer's values", async (t) => {
  const rows = (await readFile(join(reference, 'quantize.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  await inTempDir(async (dir) => {
    for (const type of ['f16', 'bf16']) {
      const out = join(dir, `${type}.gguf`);
      const r = await runCli(['convert', `--parameters=${join(reference, 'quant-source.gguf')}`, `--cast=${type}`, `--output=${out}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
      const got = await tensorHashes(out);
      const want = rows.filter((row) => row[1] === type);
      t.is(want.length, 5);
      for (const [tensor, , , sha] of want) t.is(got.get(tensor!), sha, `${tensor} ${type}`);
      const header = (await openSource(out)).parameters.map((p) => p.tensor?.dtype);
      t.deepEqual([...new Set(header)], [type.toUpperCase()]);
    }
    const dequantized = (await readFile(join(reference, 'dequantize.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
    for (const file of ['stories260K-F16.gguf', 'stories260K-BF16.gguf']) {
      const out = join(dir, `${file}.f32.safetensors`);
      const r = await runCli(['convert', `--parameters=${join(sharedDir, 'real/gguf', file)}`, '--cast=f32', `--output=${out}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
      const got = await tensorHashes(out);
      const want = dequantized.filter((row) => row[0] === file);
      t.true(want.length > 30);
      for (const [, tensor, , , sha] of want) t.is(got.get(tensor!), sha, `${file} ${tensor}`);
    }
  });
});

test('--cast in convert and jobs: rules by key, integers only when named, the new dtype in every format, splats cast; bad rules and formats refused', async (t) => {
  await inTempDir(async (dir) => {
    const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
    const src = join(dir, 'model.safetensors');
    await writeFile(
      src,
      safetensorsFile([
        { name: 'w', dtype: 'F32', shape: [2, 2], payload: f32([1, 1.00390625, 65520, -2]) },
        { name: 'b', dtype: 'F32', shape: [2], payload: f32([0.5, 3]) },
        { name: 'steps', dtype: 'I32', shape: [2], payload: new Uint8Array(new Int32Array([7, -3]).buffer) },
      ]),
    );
    const out = join(dir, 'out.safetensors');
    let r = await runCli(['convert', `--parameters=${src}`, '--cast=bf16', '--cast=b=f16', '--splat=w=f32=2', `--output=${out}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    const written = new Map((await openSource(out)).parameters.map((p) => [p.key, p]));
    t.is(written.get('w')!.tensor!.dtype, 'BF16');
    t.is(written.get('b')!.tensor!.dtype, 'F16');
    t.is(written.get('steps')!.tensor!.dtype, 'I32', 'an integer is not cast by a bare rule');
    const bytes = await readFile(out);
    const payload = (key: string) => {
      const p = written.get(key)!;
      const at = p.storage.kind === 'data' && p.storage.source.kind === 'file' ? p.storage.source.offset : -1;
      return [...new Uint16Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + p.length))];
    };
    t.deepEqual(payload('w'), [0x4000, 0x4000, 0x4000, 0x4000], 'the splat of 2 cast to bf16, written out');
    t.deepEqual(payload('b'), [0x3800, 0x4200]);
    // Named, an integer is cast; IRPA with tensor metadata records the new dtype.
    const irpa = join(dir, 'out.irpa');
    r = await runCli(['convert', `--parameters=${src}`, '--cast=steps=f32', '--tensor-metadata', `--output=${irpa}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    const steps = (await openSource(irpa)).parameters.find((p) => p.key === 'steps')!;
    t.is(steps.tensor?.dtype, 'F32');
    t.is(steps.length, 8);
    // A job's cast transform, with a dry run showing the kernel and the bytes it reads.
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: model.safetensors }]\ntransforms: [{ cast: "w=f8E4M3FN" }]\nsinks: [{ safetensors: { path: job.safetensors } }]\n`);
    r = await runCli(['run', join(dir, 'job.yaml'), '--dry-run']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /4 w F32 2x2 -> F8_E4M3 2x2 \(cast F32 to F8_E4M3 of 16 source bytes\)/);
    r = await runCli(['run', join(dir, 'job.yaml'), '--quiet']);
    t.is(r.code, 0, r.stderr);
    const job = (await openSource(join(dir, 'job.safetensors'))).parameters.find((p) => p.key === 'w')!;
    t.is(job.tensor?.dtype, 'F8_E4M3');
    // A dry run of the command shows each tensor before and after, and writes nothing.
    const planned = join(dir, 'planned.safetensors');
    r = await runCli(['convert', `--parameters=${src}`, '--cast=bf16', '--dry-run', `--output=${planned}`]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, / 4 b F32 2 -> BF16 2 \(cast F32 to BF16 of 8 source bytes\)/);
    t.regex(r.stdout, /8 steps I32 2\n/);
    t.regex(r.stdout, /dry run: nothing written/);
    r = await runCli(['convert', `--parameters=${src}`, '--cast=bf16', '--dry-run', '--json', `--output=${planned}`]);
    const entry = JSON.parse(r.stdout).sinks[0].files[0].layout.find((e: { key: string }) => e.key === 'b');
    t.deepEqual([entry.dtype, entry.was.dtype, entry.length, entry.computed.sourceLength], ['BF16', 'F32', 4, 8]);
    t.false(existsSync(planned));
    // Cast on the way into device memory, and checked there.
    r = await runCli(['load', `--parameters=${src}`, '--device=host', '--cast=bf16', '--verify', '--json']);
    t.is(r.code, 0, r.stderr);
    const loaded = JSON.parse(r.stdout);
    t.is(loaded.bytes, 8 + 4 + 8, 'w and b at 2 bytes an element, steps as it was');
    t.is(loaded.verified, 3);
    // Refusals: a type that is not one, an f8 type GGUF cannot hold, a rule naming nothing.
    r = await runCli(['convert', `--parameters=${src}`, '--cast=f12', `--output=${join(dir, 'x.irpa')}`]);
    t.is(r.code, 2);
    t.regex(r.stderr, /--cast=f12: 'f12' is not a type to cast to/);
    r = await runCli(['convert', `--parameters=${src}`, '--cast=f8e5m2', `--output=${join(dir, 'x.gguf')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /parameter 'w' is F8_E5M2, which GGUF cannot express/);
    r = await runCli(['convert', `--parameters=${src}`, '--cast=nothing.*=f16', `--output=${join(dir, 'y.safetensors')}`]);
    t.is(r.code, 0);
    t.regex(r.stderr, /--cast=nothing\.\*=f16 names no parameter/);
  });
});

test('a big-endian GGUF cast to f16 holds what its little-endian twin cast to f16 holds', async (t) => {
  await inTempDir(async (dir) => {
    const [be, le] = [join(dir, 'be.safetensors'), join(dir, 'le.safetensors')];
    for (const [from, to] of [
      [join(sharedDir, 'real/gguf/bigendian/stories260K-F32-BE.gguf'), be],
      [join(sharedDir, 'real/gguf/stories260K.gguf'), le],
    ] as const) {
      const r = await runCli(['convert', `--parameters=${from}`, '--cast=f16', `--output=${to}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
    }
    t.is(sha256(await readFile(be)), sha256(await readFile(le)));
  });
});
