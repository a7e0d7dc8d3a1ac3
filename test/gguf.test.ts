import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GgufValue } from '../src/formats/gguf/decode.js';
import { GgufValueType } from '../src/formats/gguf/types.js';
import { runCli } from './helpers/cli.js';
import { ggufFile, ggufHeaderOf, type TestTensor } from './helpers/gguf-bytes.js';
import { sharedDir, withTempFile } from './helpers/paths.js';
import { safetensorsFile, safetensorsRaw } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const realDir = join(sharedDir, 'real');

async function dumpJson(path: string, ...more: string[]) {
  const r = await runCli(['dump', `--parameters=${path}`, '--json', '--hash', ...more]);
  return { ...r, rows: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

const withFile = <T>(bytes: Uint8Array, fn: (path: string) => Promise<T>) => withTempFile('model.gguf', bytes, fn);


// Block sizes and bytes of every type llama.cpp writes, written out here
// independently of the reader's table: [id, elements per block, bytes per block].
const TYPES: [number, number, number][] = [
  [0, 1, 4], [1, 1, 2], [2, 32, 18], [3, 32, 20], [6, 32, 22], [7, 32, 24], [8, 32, 34], [9, 32, 36],
  [10, 256, 84], [11, 256, 110], [12, 256, 144], [13, 256, 176], [14, 256, 210], [15, 256, 292],
  [16, 256, 66], [17, 256, 74], [18, 256, 98], [19, 256, 50], [20, 32, 18], [21, 256, 110], [22, 256, 82],
  [23, 256, 136], [24, 1, 1], [25, 1, 2], [26, 1, 4], [27, 1, 8], [28, 1, 8], [29, 256, 56], [30, 1, 2],
  [34, 256, 54], [35, 256, 66], [39, 32, 17],
];

test('a generated GGUF with every ggml type reports each tensor\'s bytes', async (t) => {
  const tensors: TestTensor[] = TYPES.map(([id, elements, bytes], i) => {
    const rows = 1 + (i % 3);
    return { name: `t${id}`, dims: [elements * 2, rows], typeId: id, payload: randomBytes(2 * bytes * rows) };
  });
  await withFile(ggufFile({ tensors, alignment: 64 }), async (path) => {
    const { code, rows, stderr } = await dumpJson(path);
    t.is(code, 0, stderr);
    t.deepEqual(
      rows.map((r) => [r.key, r.length, r.sha256, r.offset % 64]),
      tensors.map((x) => [x.name, x.payload.length, sha256(x.payload), 0]),
    );
  });
});

test('all 13 metadata value types, nested arrays and duplicate keys read back', async (t) => {
  const kv = [
    { key: 'u8', type: GgufValueType.UINT8, value: 200 },
    { key: 'i8', type: GgufValueType.INT8, value: -100 },
    { key: 'u16', type: GgufValueType.UINT16, value: 60000 },
    { key: 'i16', type: GgufValueType.INT16, value: -30000 },
    { key: 'u32', type: GgufValueType.UINT32, value: 4e9 },
    { key: 'i32', type: GgufValueType.INT32, value: -2e9 },
    { key: 'f32', type: GgufValueType.FLOAT32, value: 1.5 },
    { key: 'bool', type: GgufValueType.BOOL, value: true },
    { key: 'str', type: GgufValueType.STRING, value: 'llama 🦙' },
    { key: 'u64', type: GgufValueType.UINT64, value: 2n ** 63n },
    { key: 'i64', type: GgufValueType.INT64, value: -(2n ** 62n) },
    { key: 'f64', type: GgufValueType.FLOAT64, value: Math.PI },
    {
      key: 'nested',
      type: GgufValueType.ARRAY,
      value: {
        itemType: GgufValueType.ARRAY,
        items: [
          { itemType: GgufValueType.STRING, items: ['a', 'b'] },
          { itemType: GgufValueType.INT32, items: [1, -2, 3] },
        ],
      },
    },
    { key: 'str', type: GgufValueType.STRING, value: 'later wins' },
  ];
  for (const littleEndian of [true, false]) {
    await withFile(ggufFile({ kv, tensors: [], littleEndian }), async (path) => {
      const h = await ggufHeaderOf(path);
      t.is(h.littleEndian, littleEndian);
      for (const entry of kv.slice(0, -1)) {
        if (entry.key !== 'str') t.deepEqual(asText(h.kv.get(entry.key)?.value), entry.value, entry.key);
      }
      t.is(asText(h.kv.get('str')?.value), 'later wins');
      t.deepEqual(h.entries.map((e) => e.key), kv.map((e) => e.key));
      t.deepEqual([...h.duplicateKeys], [['str', 2]]);
      const r = await runCli(['dump', `--parameters=${path}`]);
      t.regex(r.stderr, /metadata key 'str' is stored 2 times; the last value is used/);
    });
  }
});

test('version 2 files read, big-endian files read with their bytes as stored', async (t) => {
  const tensors: TestTensor[] = [{ name: 'w', dims: [8, 2], typeId: 0, payload: randomBytes(64) }];
  for (const [version, littleEndian] of [[2, true], [3, false], [2, false]] as const) {
    await withFile(ggufFile({ tensors, version, littleEndian }), async (path) => {
      const { rows } = await dumpJson(path);
      t.deepEqual(rows.map((r) => [r.key, r.length, r.sha256]), [['w', 64, sha256(tensors[0]!.payload)]]);
    });
  }
});

test('every row of the real files\' expected hashes is reproduced', async (t) => {
  const expected = (await readFile(join(realDir, 'expected.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  const files = [...new Set(expected.map((e) => e[0]!))];
  let checked = 0;
  for (const file of files) {
    const { code, rows, stderr } = await dumpJson(join(realDir, file));
    t.is(code, 0, `${file}: ${stderr}`);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    t.is(byKey.size, expected.filter((e) => e[0] === file).length, file);
    for (const [, key, length, hash] of expected.filter((e) => e[0] === file)) {
      t.is(byKey.get(key)?.length, Number(length), `${file} ${key}`);
      t.is(byKey.get(key)?.sha256, hash, `${file} ${key}`);
      ++checked;
    }
  }
  t.is(checked, expected.length);
});

test('real big-endian, split shards and vocabulary-only files read; GGUF v1 is refused by name', async (t) => {
  const le = await dumpJson(join(realDir, 'gguf/stories260K.gguf'));
  const be = await dumpJson(join(realDir, 'gguf/bigendian/stories260K-F32-BE.gguf'));
  t.deepEqual(be.rows.map((r) => [r.key, r.length]), le.rows.map((r) => [r.key, r.length]));
  const bytes = await readFile(join(realDir, 'gguf/bigendian/stories260K-F32-BE.gguf'));
  for (const r of be.rows) t.is(r.sha256, sha256(bytes.subarray(r.offset, r.end)));

  // Shards 2 and 3 alone read as plain files (the split as a whole: sharded-inputs.test).
  const shards = await Promise.all([2, 3].map((n) => dumpJson(join(realDir, `gguf/split/stories260K-0000${n}-of-00003.gguf`))));
  t.deepEqual(shards.map((s) => s.rows.length), [16, 16]);

  const vocab = await ggufHeaderOf(join(realDir, 'gguf/ggml-vocab-deepseek-llm.gguf'));
  t.is(vocab.tensors.length, 0);
  const tokens = vocab.kv.get('tokenizer.ggml.tokens')?.value as { items: Uint8Array[] };
  t.is(tokens.items.length, 102400);

  const v1 = await runCli(['dump', `--parameters=${join(realDir, 'gguf/tinyllamas-stories-260k-f32-v1.gguf')}`]);
  t.is(v1.code, 1);
  t.regex(v1.stderr, /tinyllamas-stories-260k-f32-v1\.gguf: at byte 4: GGUF version 1 is obsolete/);
});

/** Values with their strings decoded, to compare with what was written. */
function asText(value: GgufValue | undefined): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value !== null && typeof value === 'object') return { itemType: value.itemType, items: value.items.map(asText) };
  return value;
}

// Bad files: each a one-line error with the file and offset, exit status 1.
const good = () => ggufFile({ kv: [{ key: 'name', type: GgufValueType.STRING, value: 'x' }], tensors: [{ name: 'w', dims: [4], typeId: 0, payload: new Uint8Array(16) }] });
const patch = (edit: (v: DataView, b: Uint8Array) => void) => () => {
  const b = good();
  edit(new DataView(b.buffer), b);
  return b;
};
// Offsets in good(): counts at 8 and 16, key 'name' at 24, its type at 36, value at 40,
// tensor info at 49: name length, 'w', n_dims at 58, dim at 62, type at 70, offset at 74.
const BAD: [string, () => Uint8Array, number, RegExp][] = [
  ['a truncated file', () => good().subarray(0, 66), 62, /truncated file: dimension 0 of 'w' needs 8 bytes, only 4 left/],
  ['a file cut inside the counts', () => good().subarray(0, 20), 16, /truncated file: kv_count needs 8 bytes/],
  ['a tensor count larger than the file', patch((v) => v.setBigUint64(8, 10n ** 9n, true)), 8, /tensor_count 1000000000 and kv_count 1 are more than a file/],
  ['a kv count larger than the file', patch((v) => v.setBigUint64(16, 2n ** 40n, true)), 8, /kv_count 1099511627776 are more than/],
  ['a string length larger than the file', patch((v) => v.setBigUint64(24, 2n ** 50n, true)), 24, /metadata key 0 length 1125899906842624 is larger than the rest of the file/],
  ['an unknown value type', patch((v) => v.setUint32(36, 13, true)), 36, /unknown metadata value type 13 for 'name'/],
  ['an unknown ggml type', patch((v) => v.setUint32(70, 31, true)), 70, /tensor 'w' has unknown ggml type 31/],
  ['too many dimensions', patch((v) => v.setUint32(58, 5, true)), 58, /has 5 dimensions; ggml allows at most 4/],
  ['a dimension past 2^53', patch((v) => v.setBigUint64(62, 2n ** 60n, true)), 58, /dimension 0 is 1152921504606846976, more than any file can hold/],
  ['data past the end of the file', patch((v) => v.setBigUint64(74, 4096n, true)), 49, /tensor 'w' data \(16 bytes at \d+\) runs past the end of the file/],
  ['a misaligned tensor offset', patch((v) => v.setBigUint64(74, 4n, true)), 49, /offset 4 is not a multiple of the alignment 32/],
  ['an unsupported version', patch((v) => v.setUint32(4, 4, true)), 4, /unsupported GGUF version 4/],
];

for (const [title, bytes, offset, message] of BAD) {
  test(`dump refuses a GGUF with ${title}`, async (t) => {
    await withFile(bytes(), async (path) => {
      const r = await runCli(['dump', `--parameters=${path}`]);
      t.is(r.code, 1);
      t.regex(r.stderr, message);
      t.true(r.stderr.includes(`${path}: at byte ${offset}:`), r.stderr);
      t.is(r.stderr.trim().split('\n').length, 1);
    });
  });
}

test('dump --metadata lists GGUF key/values and safetensors __metadata__, as gguf-py\'s dump does, and --json gives them whole', async (t) => {
  const r = await runCli(['dump', `--parameters=${join(realDir, 'gguf/llama-2-tiny-random.gguf')}`, '--metadata']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /\/\/ +1: STRING +\| +1 \| general\.architecture = "llama"/);
  t.regex(r.stdout, /\/\/ +10: FLOAT32 +\| +1 \| llama\.attention\.layer_norm_rms_epsilon = 0\.00001\n/);
  t.regex(r.stdout, /\/\/ +13: \[STRING\] +\| +32000 \| tokenizer\.ggml\.tokens = \["<unk>", "<s>", "<\/s>", "<0x00>", .*, \.\.\.\]/);
  t.regex(r.stdout, /Parameter scope <global> \(12 entries/);

  const json = await runCli(['dump', `--parameters=${join(realDir, 'gguf/ggml-vocab-llama-spm.gguf')}`, `--parameters=${join(realDir, 'safetensors/dtype-samples/f.safetensors')}`, '--metadata', '--json']);
  t.is(json.code, 0, json.stderr);
  const [spm, st] = json.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => 'metadata' in o);
  const tokens = spm.metadata.gguf.find((kv: { key: string }) => kv.key === 'tokenizer.ggml.tokens');
  t.is(tokens.type, '[STRING]');
  t.is(tokens.value.length, 32000);
  t.is(tokens.value[30143], '\ufeff');
  t.deepEqual(st.metadata, { gguf: [], safetensors: { test: 'a' } });

  const odd = ggufFile({ kv: [{ key: 'bad', type: GgufValueType.STRING, value: Uint8Array.of(0xff, 0x41) }], tensors: [] });
  await withFile(odd, async (path) => {
    const bad = await runCli(['dump', `--parameters=${path}`, '--metadata', '--json']);
    t.deepEqual(JSON.parse(bad.stdout.split('\n')[0]!).metadata.gguf, [{ key: 'bad', type: 'STRING', value: { hex: 'ff41' } }]);
  });
});

test('shapes at the edges: more than 4 dimensions for GGUF, more than 16 in safetensors, a GGUF dimension past 2^53, each refused by name', async (t) => {
  const five = safetensorsFile([{ name: 'w5', dtype: 'I8', shape: [1, 1, 1, 2, 1], payload: Uint8Array.of(1, 2) }]);
  await withTempFile('five.safetensors', five, async (path) => {
    const r = await runCli(['convert', `--parameters=${path}`, '--format=gguf', `--output=${path}.gguf`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /parameter 'w5' has 5 dimensions; GGUF holds at most 4/);
  });
  const tall = safetensorsRaw({ w: { dtype: 'U8', shape: Array.from({ length: 18 }, () => 1), data_offsets: [0, 1] } }, Uint8Array.of(1));
  await withTempFile('tall.safetensors', tall, async (path) => {
    const r = await runCli(['dump', `--parameters=${path}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /tensor 'w' has 18 dimensions; at most 16 are allowed/);
  });
  const huge = ggufFile({ tensors: [{ name: 'w', dims: [0, 4], typeId: 0, payload: new Uint8Array(0) }] });
  // The first dimension, written as 2^64-1 in place of 0: the tensor info is name (u64 length, 'w'), n_dims (u32 2), dims.
  const info = Buffer.from(huge).indexOf(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0x77, 2, 0, 0, 0]));
  new DataView(huge.buffer, huge.byteOffset).setBigUint64(info + 13, 2n ** 64n - 1n, true);
  await withFile(huge, async (path) => {
    const r = await runCli(['dump', `--parameters=${path}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /tensor 'w' dimension 0 is 18446744073709551615, more than any file can hold/);
  });
});
