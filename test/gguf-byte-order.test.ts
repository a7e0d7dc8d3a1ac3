import test from 'ava';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { DataError } from '../src/errors.js';
import { join } from 'node:path';
import { ggmlByteSwap, swapBytes } from '../src/formats/byte-swap.js';
import { GGML_TYPES, GgufValueType } from '../src/formats/gguf/types.js';
import { HostDevice } from '../src/device/host-device.js';
import { DeviceLoad, residentKey } from '../src/sinks/device-loader.js';
import { verifyResident } from '../src/sinks/verify-resident.js';
import { loadIndex } from '../src/sources/load-index.js';
import { ParameterProvider } from '../src/provider/parameter-provider.js';
import { runCli, tensorHashes } from './helpers/cli.js';
import { ggufFile } from './helpers/gguf-bytes.js';
import { inTempDir, sharedDir } from './helpers/paths.js';

const realGguf = join(sharedDir, 'real/gguf');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** Big-endian files and their little-endian twins (element for element byte-swapped, as the README of real/ says). */
const TWINS = [
  ['bigendian/stories260K-F32-BE.gguf', 'stories260K.gguf'],
  ['bigendian/stories260K-F16-BE.gguf', 'stories260K-F16.gguf'],
] as const;

test('a big-endian GGUF rewritten as GGUF is its little-endian twin, byte for byte, whatever the chunk size', async (t) => {
  await inTempDir(async (dir) => {
    for (const [be, le] of TWINS) {
      for (const chunk of ['2MiB', '4099']) {
        const out = join(dir, 'out.gguf');
        const r = await runCli(['convert', `--parameters=${join(realGguf, be)}`, '--format=gguf', `--chunk-size=${chunk}`, `--output=${out}`, '--quiet']);
        t.is(r.code, 0, r.stderr);
        t.true((await readFile(out)).equals(await readFile(join(realGguf, le))), `${be} in ${chunk} chunks`);
      }
    }
  });
});

test('a big-endian GGUF converted to safetensors and IRPA holds little-endian payloads', async (t) => {
  await inTempDir(async (dir) => {
    for (const [be, le] of TWINS) {
      const want = await tensorHashes(join(realGguf, le));
      for (const format of ['safetensors', 'irpa']) {
        const out = join(dir, `out.${format}`);
        const r = await runCli(['convert', `--parameters=${join(realGguf, be)}`, `--format=${format}`, `--output=${out}`, '--quiet']);
        t.is(r.code, 0, r.stderr);
        t.deepEqual(await tensorHashes(out), want, `${be} as ${format}`);
      }
    }
  });
});

/** A block of `bytes` random bytes whose fields, as ggml's structs declare them, are written in `littleEndian` order from one set of values. */
function blocks(typeId: number, count: number): { le: Uint8Array; be: Uint8Array } {
  const type = GGML_TYPES.find((x) => x.id === typeId)!;
  const le = Uint8Array.from({ length: type.blockBytes * count }, (_, i) => (i * 131 + 17) & 0xff);
  const be = le.slice();
  for (let b = 0; b < count; ++b) for (const [offset, width] of type.swap!) be.subarray(b * type.blockBytes + offset, b * type.blockBytes + offset + width).reverse();
  return { le, be };
}

test('big-endian quant blocks are swapped field by field (scales, f32 and 16-bit arrays), the byte arrays left as they are', async (t) => {
  // Q8_0 (f16 scale), Q4_K (d, dmin), Q6_K (scale last), Q8_K (f32 scale and int16 sums), IQ2_XXS (u16 grid indices).
  const types = [8, 12, 14, 15, 16];
  const made = types.map((id) => ({ id, ...blocks(id, 40) }));
  const file = (littleEndian: boolean) =>
    ggufFile({
      littleEndian,
      kv: [{ key: 'general.architecture', type: GgufValueType.STRING, value: 'llama' }],
      tensors: made.map((m) => ({ name: `w${m.id}`, dims: [GGML_TYPES.find((x) => x.id === m.id)!.blockElements * 40], typeId: m.id, payload: littleEndian ? m.le : m.be })),
    });
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'be.gguf'), file(false));
    const out = join(dir, 'le.gguf');
    const r = await runCli(['convert', `--parameters=${join(dir, 'be.gguf')}`, '--format=gguf', '--chunk-size=4099', `--output=${out}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    t.true((await readFile(out)).equals(Buffer.from(file(true))));
  });
});

test('the device loader swaps big-endian payloads, and --verify checks what it loaded', async (t) => {
  const { index } = await loadIndex([{ path: join(realGguf, 'bigendian/stories260K-F16-BE.gguf'), scope: '' }]);
  const load = new DeviceLoad(index.all(), new HostDevice(), { chunkBytes: 4098 });
  await load.done;
  t.is(await verifyResident(load), index.all().length);
  const want = await tensorHashes(join(realGguf, 'stories260K-F16.gguf'));
  for (const p of load.order) {
    const place = load.placements.get(residentKey(p))!;
    t.is(sha256(await load.device.read(place.buffer, place.offset, place.length)), want.get(p.key) ?? "", p.key);
  }
  const cli = await runCli(['load', `--parameters=${join(realGguf, 'bigendian/stories260K-Q8_0mix-BE.gguf')}`, '--device=host', '--verify', '--json']);
  t.is(cli.code, 0, cli.stderr);
});

test('every ggml type\'s swap is its own inverse and stays inside its block', (t) => {
  for (const type of GGML_TYPES) {
    const swap = ggmlByteSwap(type.id);
    if (!swap) {
      t.true(type.blockBytes === 1 || type.name === 'MXFP4', type.name);
      continue;
    }
    const block = Uint8Array.from({ length: type.blockBytes * 3 }, (_, i) => (i * 7 + 3) & 0xff);
    const swapped = block.slice();
    swapBytes(swapped, swap);
    t.notDeepEqual(swapped, block, type.name);
    for (const [offset, width] of swap.fields) t.true(offset + width <= type.blockBytes, type.name);
    swapBytes(swapped, swap);
    t.deepEqual(swapped, block, type.name);
  }
  // Q8_0: the f16 scale turns, the 32 int8 values stay.
  const q8 = Uint8Array.from({ length: 34 }, (_, i) => i);
  swapBytes(q8, ggmlByteSwap(8)!);
  t.deepEqual([...q8.subarray(0, 4)], [1, 0, 2, 3]);
});

test('the parameter provider serves big-endian payloads little-endian, whole or in spans that cut elements', async (t) => {
  for (const [be, le] of TWINS) {
    const [bigEndian, littleEndian] = await Promise.all([ParameterProvider.open([join(realGguf, be)]), ParameterProvider.open([join(realGguf, le)])]);
    try {
      const keys = littleEndian.index.all().map((p) => p.key);
      t.deepEqual(await bigEndian.load('', keys), await littleEndian.load('', keys), be);
      // Spans that start and end inside elements: the whole elements around them are read and swapped.
      const key = keys.find((k) => littleEndian.parameter('', k).length > 100)!;
      const spans = [{ key, offset: 3, length: 37, into: 0 }, { key, offset: 61, length: 2, into: 40 }];
      const [a, b] = [new Uint8Array(42), new Uint8Array(42)];
      await Promise.all([bigEndian.gather('', spans, a), littleEndian.gather('', spans, b)]);
      t.deepEqual(a, b, `${be}: ${key} in spans`);
    } finally {
      await Promise.all([bigEndian.close(), littleEndian.close()]);
    }
  }
});

test('the parameter provider refuses to write into a big-endian payload, which it serves computed, and leaves the file as it was', async (t) => {
  await inTempDir(async (dir) => {
    const [be] = TWINS[0]!;
    const path = join(dir, 'be.gguf');
    await copyFile(join(realGguf, be), path);
    const before = await readFile(path);
    const provider = await ParameterProvider.open([path], { writable: true });
    try {
      const p = provider.index.all().find((q) => q.length >= 8 && q.storage.kind === 'data')!;
      const error = await t.throwsAsync(provider.write('', { key: p.key, offset: 0, length: 8, from: 0 }, new Uint8Array(8)), { instanceOf: DataError });
      t.true(error!.message.startsWith(`parameter '${p.key}' is read through the byte-swap `), error!.message);
      t.regex(error!.message, /kernel \(its file holds it big-endian\)/);
    } finally {
      await provider.close();
    }
    t.true((await readFile(path)).equals(before));
  });
});
