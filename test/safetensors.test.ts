import test from 'ava';
import fc from 'fast-check';
import { decodeSafetensorsHeader } from '../src/formats/safetensors/decode.js';
import { firstInvalidUtf8 } from '../src/formats/utf8.js';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { repoRoot, withTempFile } from './helpers/paths.js';
import { safetensorsFile, safetensorsRaw, type StTensor } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const withFile = <T>(bytes: Uint8Array, fn: (path: string) => Promise<T>) => withTempFile('model.safetensors', bytes, fn);

// Bits per element of each dtype, written out independently of the reader.
const DTYPES: [string, number][] = [
  ['BOOL', 8], ['F4', 4], ['F6_E2M3', 6], ['F6_E3M2', 6], ['U8', 8], ['I8', 8], ['F8_E5M2', 8], ['F8_E4M3', 8],
  ['F8_E8M0', 8], ['F8_E4M3FNUZ', 8], ['F8_E5M2FNUZ', 8], ['I16', 16], ['U16', 16], ['F16', 16], ['BF16', 16],
  ['I32', 32], ['U32', 32], ['F32', 32], ['C64', 64], ['F64', 64], ['I64', 64], ['U64', 64],
];

test('every dtype reads back with its bytes, sub-byte types sized in bits', async (t) => {
  const tensors: StTensor[] = DTYPES.map(([dtype, bits]) => ({ name: `t.${dtype}`, dtype, shape: [3, 8], payload: randomBytes((24 * bits) / 8) }));
  tensors.push({ name: 'empty', dtype: 'F32', shape: [0, 5], payload: new Uint8Array(0) });
  await withFile(safetensorsFile(tensors, { format: 'pt', note: 'ü' }), async (path) => {
    const r = await runCli(['dump', `--parameters=${path}`, '--json', '--hash']);
    t.is(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.deepEqual(rows.map((o) => [o.key, o.length, o.sha256]), tensors.map((x) => [x.name, x.payload.length, sha256(x.payload)]));
    const source = await openSource(path);
    t.deepEqual(Object.fromEntries(source.metadata.safetensors), { format: 'pt', note: 'ü' });
    t.deepEqual(source.parameters[1]!.tensor, { dtype: 'F4', shape: [3, 8] });
  });
});

test('keys with escapes and odd spacing parse; metadata may come anywhere', async (t) => {
  const text = '{ "w\\u00e9\\"q" : {"dtype":"U8","shape":[2],"data_offsets":[0,2]} ,\n "__metadata__":{"a":"b"}, "z":{"dtype":"U8","shape":[],"data_offsets":[2,3]} } ';
  await withFile(safetensorsRaw(undefined, Uint8Array.of(1, 2, 3), text), async (path) => {
    const source = await openSource(path);
    t.deepEqual(source.parameters.map((p) => [p.key, p.length]), [['wé"q', 2], ['z', 1]]);
    t.deepEqual(Object.fromEntries(source.metadata.safetensors), { a: 'b' });
  });
});

test('keys keep file order, numeric ones too, whichever parse reads the header', async (t) => {
  // Array-index keys are ordered numerically by JSON objects; the file's order must win.
  const text = '{"10":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"2":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}';
  await withFile(safetensorsRaw(undefined, Uint8Array.of(1, 2, 3), text), async (path) => {
    t.deepEqual((await openSource(path)).parameters.map((p) => p.key), ['10', '2', 'b']);
  });
  const metadataNamesOffsets = '{"__metadata__":{"note":"data_offsets"},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
  await withFile(safetensorsRaw(undefined, Uint8Array.of(1), metadataNamesOffsets), async (path) => {
    t.deepEqual((await openSource(path)).parameters.map((p) => p.key), ['w']);
  });
});

test('the fast reading of common members and the general one agree, member by member', async (t) => {
  // Spaced like Python's json.dumps, keys out of order, a name with an escape, dims spaced: each member read either way.
  const members = [
    '"a": {"dtype": "U8", "shape": [2, 1], "data_offsets": [0, 2]}',
    '"b":{"shape":[1],"dtype":"U8","data_offsets":[2,3]}',
    '"c\\u0041":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}',
    '"d":{"dtype":"U8","shape":[ 1 , 1 ],"data_offsets":[4,5]}',
    '"e":{"dtype":"U8","shape":[],"data_offsets":[5,6]}',
  ];
  await withFile(safetensorsRaw(undefined, Uint8Array.of(1, 2, 3, 4, 5, 6), `{${members.join(', ')}}`), async (path) => {
    const source = await openSource(path);
    t.deepEqual(
      source.parameters.map((p) => [p.key, p.length, p.tensor!.shape]),
      [['a', 2, [2, 1]], ['b', 1, [1]], ['cA', 1, [1]], ['d', 1, [1, 1]], ['e', 1, []]],
    );
  });
});

test('headers written in any spacing, key order and escaping decode to what JSON.parse reads in them', (t) => {
  const member = fc.record({
    // Any text, and names a careless reader would take for JavaScript (or print raw).
    name: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).filter((n) => n !== '__metadata__'), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a\nb', '\u001b[2J')),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    reorder: fc.boolean(),
  });
  const header = fc.record({ members: fc.uniqueArray(member, { selector: (m) => m.name, maxLength: 6 }), indent: fc.constantFrom(undefined, 1, '\t'), metadata: fc.boolean() });
  fc.assert(
    fc.property(header, ({ members, indent, metadata }) => {
      let offset = 0;
      const entries = members.map(({ name, shape, reorder }) => {
        const bytes = shape.reduce((n, d) => n * d, 1) * 2;
        const offsets = [offset, (offset += bytes)];
        return [name, reorder ? { data_offsets: offsets, shape, dtype: 'BF16' } : { dtype: 'BF16', shape, data_offsets: offsets }] as const;
      });
      // Member by member: an object would put integer-like keys first.
      const all: (readonly [string, unknown])[] = metadata ? [['__metadata__', { k: 'v' }], ...entries] : entries;
      const gap = indent === undefined ? '' : '\n';
      const text = `{${gap}${all.map(([k, v]) => `${JSON.stringify(k)}:${gap ? ' ' : ''}${JSON.stringify(v, null, indent)}`).join(`,${gap}`)}${gap}}`;
      const json = new TextEncoder().encode(text);
      const decoded = decodeSafetensorsHeader(json, 'fuzzed.safetensors', 8 + json.length + offset);
      t.deepEqual(
        decoded.tensors.map((x) => [x.name, x.dtype, x.shape, x.begin, x.end]),
        entries.map(([name, v]) => [name, 'BF16', v.shape, v.data_offsets[0], v.data_offsets[1]]),
      );
      t.deepEqual(decoded.metadata, metadata ? { k: 'v' } : undefined);
    }),
    { numRuns: 300 },
  );
});

const odd: [string, string, RegExp][] = [
  ['a dimension with a leading zero', '{"w":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}', /not a valid JSON object: bad value of 'w'/],
  ['a dtype named like an object property', '{"w":{"dtype":"toString","shape":[1],"data_offsets":[0,1]}}', /unknown dtype 'toString'/],
  ['an offset too long to hold exactly', '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,12345678901234567890]}}', /data_offsets is not \[begin, end\]/],
  ['__metadata__ shaped like a tensor', '{"__metadata__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', /__metadata__ value of 'shape' is not a string/],
  ['two dims without a comma', '{"w":{"dtype":"U8","shape":[1 1],"data_offsets":[0,1]}}', /not a valid JSON object/],
];
for (const [title, text, message] of odd) {
  test(`a header member with ${title} is refused as JSON or safetensors would`, async (t) => {
    await withFile(safetensorsRaw(undefined, Uint8Array.of(1), text), async (path) => {
      const r = await runCli(['dump', `--parameters=${path}`]);
      t.is(r.code, 1, r.stdout);
      t.regex(r.stderr, message);
    });
  });
}

const tensor = (name: string, begin: number, end: number, shape = [(end - begin) / 4]) => ({ [name]: { dtype: 'F32', shape, data_offsets: [begin, end] } });

const BAD: [string, () => Uint8Array, number | undefined, RegExp][] = [
  ['a file cut inside its header', () => safetensorsRaw(tensor('w', 0, 4), new Uint8Array(4)).subarray(0, 30), 0, /header length \d+ runs past the end of the file \(30 bytes\)/],
  ['a header length past the end of the file', () => { const b = safetensorsRaw({}); new DataView(b.buffer).setBigUint64(0, 4096n, true); return b; }, 0, /header length 4096 runs past the end of the file/],
  ['a header length past the 100 MB cap', () => { const b = safetensorsRaw({}); new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true); return b; }, 0, /larger than the format's 100000000-byte limit/],
  ['JSON that is not an object', () => safetensorsRaw(undefined, undefined, '{}'.replace('{}', '{"a"')).map((b, i) => (i === 8 ? 0x7b : b)), undefined, /not a valid JSON object: expected ':'/],
  ['a JSON array', () => safetensorsRaw([1, 2]).map((b, i) => (i === 8 ? 0x7b : b)), undefined, /not a valid JSON object: expected a key/],
  ['an unknown dtype', () => safetensorsRaw({ w: { dtype: 'F12', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), 9, /tensor 'w' has unknown dtype 'F12'/],
  ['offsets that disagree with the shape', () => safetensorsRaw(tensor('w', 0, 8, [3]), new Uint8Array(8)), 9, /hold 8 bytes, but shape \[3\] of F32 needs 12/],
  ['overlapping tensors', () => safetensorsRaw({ ...tensor('a', 0, 8), ...tensor('b', 4, 12) }, new Uint8Array(12)), undefined, /tensors 'a' and 'b' overlap/],
  ['a hole between tensors', () => safetensorsRaw({ ...tensor('a', 0, 4), ...tensor('b', 8, 12) }, new Uint8Array(12)), undefined, /4 bytes before tensor 'b' belong to no tensor/],
  ['offsets past the data', () => safetensorsRaw(tensor('a', 0, 16), new Uint8Array(8)), 9, /run past the data section \(8 bytes\)/],
  ['a key twice', () => safetensorsRaw(undefined, new Uint8Array(8), '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'), 62, /key 'a' appears twice/],
  ['non-string metadata', () => safetensorsRaw({ __metadata__: { n: 1 } }), 9, /__metadata__ value of 'n' is not a string/],
  ['a negative dimension', () => safetensorsRaw({ w: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }), 9, /shape is not a list of non-negative integers/],
];

for (const [title, bytes, offset, message] of BAD) {
  test(`dump refuses a safetensors file with ${title}`, async (t) => {
    await withFile(bytes(), async (path) => {
      const r = await runCli(['dump', `--parameters=${path}`]);
      t.is(r.code, 1, r.stdout);
      t.regex(r.stderr, message);
      t.regex(r.stderr, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: at byte ${offset ?? '\\d+'}:`));
      t.is(r.stderr.trim().split('\n').length, 1);
    });
  });
}

test('keys named like JavaScript properties are keys like any other: tensors, __metadata__, index entries and dtypes', async (t) => {
  const names = ['__proto__', 'constructor', 'toString'];
  const file = safetensorsFile(
    names.map((name, i) => ({ name, dtype: 'U8', shape: [i + 1], payload: randomBytes(i + 1) })),
    Object.fromEntries([['__proto__', 'p'], ['constructor', 'c']]),
  );
  await withFile(file, async (path) => {
    const dir = dirname(path);
    const out = join(dir, 'out.safetensors');
    t.is((await runCli(['convert', `--parameters=${path}`, '--format=safetensors', `--output=${out}`, '--quiet'])).code, 0);
    const back = await openSource(out);
    t.deepEqual(back.parameters.map((p) => p.key), names);
    const shards = join(dir, 'shards');
    const r = await runCli(['reshard', `--parameters=${path}`, '--format=safetensors', '--shards=3', `--output=${shards}`]);
    t.is(r.code, 0, r.stderr);
    const set = await openSource(join(shards, 'model.safetensors.index.json'));
    t.deepEqual(set.parameters.map((p) => p.key).sort(), [...names].sort());
    t.deepEqual([...set.metadata.safetensors.keys()].sort(), ['__proto__', 'constructor']);
    // A dtype read from a file that names a JavaScript method is an unknown dtype.
    for (const dtype of ['constructor', 'toString', '__proto__']) {
      const odd = safetensorsRaw({ w: { dtype, shape: [1], data_offsets: [0, 1] } }, Uint8Array.of(1));
      await writeFile(join(dir, 'odd.safetensors'), odd);
      const refused = await runCli(['dump', `--parameters=${join(dir, 'odd.safetensors')}`]);
      t.is(refused.code, 1);
      t.regex(refused.stderr, new RegExp(`unknown dtype '${dtype}'`));
    }
    const flag = await runCli(['convert', `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, '--format=safetensors', '--raw-dtype=constructor', `--output=${join(dir, 'r.safetensors')}`]);
    t.is(flag.code, 2);
  });
});

test('a header that is not UTF-8, or a key with half a surrogate pair, is refused at its byte, as the safetensors library refuses it', async (t) => {
  const valid = '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
  const bytes = Buffer.from(valid);
  // 'a' and 'b' as the invalid bytes 0xff and 0xfe: read leniently, both would become U+FFFD and collide.
  bytes[2] = 0xff;
  bytes[bytes.indexOf('"b"') + 1] = 0xfe;
  const json = new Uint8Array(bytes);
  const file = new Uint8Array(8 + json.length + 2);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(json, 8);
  await withFile(file, async (path) => {
    const r = await runCli(['dump', `--parameters=${path}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /at byte 10: safetensors header is not valid UTF-8 \(byte 0xff\)/);
  });
  const surrogate = safetensorsRaw(undefined, Uint8Array.of(1), '{"w\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}');
  await withFile(surrogate, async (path) => {
    const r = await runCli(['dump', `--parameters=${path}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /holds half of a surrogate pair/);
  });
  t.is(firstInvalidUtf8(Buffer.from('ok é 🦙')), -1);
  t.is(firstInvalidUtf8(Uint8Array.of(0x41, 0xc0, 0x80)), 1, 'an overlong form');
  t.is(firstInvalidUtf8(Uint8Array.of(0xed, 0xa0, 0x80)), 0, 'an encoded surrogate');
  t.is(firstInvalidUtf8(Uint8Array.of(0x41, 0xe2, 0x82)), 1, 'a cut sequence');
});
