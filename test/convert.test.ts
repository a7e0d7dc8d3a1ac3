import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryType } from '../src/formats/irpa/constants.js';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import { writeIrpa } from '../src/sinks/irpa-writer.js';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { ggufFile, type TestTensor } from './helpers/gguf-bytes.js';
import { chainBytes, type TestEntry } from './helpers/irpa-bytes.js';
import { inTempDir, repoRoot, sharedDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Expected {
  key: string;
  length: number;
  sha256: string;
}

/** Reads the output's JSON listing and checks each parameter's bytes straight from the file. */
async function checkOutput(t: import('ava').ExecutionContext, output: string, expected: Expected[], alignment = 64) {
  const r = await runCli(['dump', `--parameters=${output}`, '--json']);
  t.is(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const bytes = await readFile(output);
  t.deepEqual(rows.map((o) => o.key), expected.map((e) => e.key));
  rows.forEach((o, i) => {
    const e = expected[i]!;
    t.is(o.length, e.length, e.key);
    if (o.storage === 'data') {
      t.is(sha256(bytes.subarray(o.offset, o.end)), e.sha256, e.key);
      if (o.length > 0) t.is(o.offset % alignment, 0, `${e.key} at ${o.offset}`);
    } else {
      const pattern = Buffer.from(o.pattern, 'hex');
      const expanded = Buffer.alloc(o.length);
      for (let j = 0; j < o.length; ++j) expanded[j] = pattern[j % pattern.length]!;
      t.is(sha256(expanded), e.sha256, e.key);
    }
  });
}

const TYPES: [number, number, number][] = [[0, 1, 4], [1, 1, 2], [2, 32, 18], [8, 32, 34], [10, 256, 84], [12, 256, 144], [14, 256, 210], [16, 256, 66], [20, 32, 18], [23, 256, 136], [29, 256, 56], [30, 1, 2], [34, 256, 54], [35, 256, 66], [39, 32, 17], [28, 1, 8]];
const DTYPES: [string, number][] = [['BOOL', 8], ['F4', 4], ['F6_E2M3', 6], ['U8', 8], ['F8_E4M3', 8], ['I16', 16], ['BF16', 16], ['F32', 32], ['C64', 64], ['U64', 64]];

test('GGUF, safetensors and chained IRPA inputs convert keeping every byte, data aligned', async (t) => {
  await inTempDir(async (dir) => {
    const ggufTensors: TestTensor[] = TYPES.map(([id, el, by]) => ({ name: `g${id}`, dims: [el * 2, 3], typeId: id, payload: randomBytes(by * 6) }));
    await writeFile(join(dir, 'm.gguf'), ggufFile({ tensors: ggufTensors }));
    const stTensors = DTYPES.map(([dtype, bits]) => ({ name: `s.${dtype}`, dtype, shape: [4, 8], payload: randomBytes((32 * bits) / 8) }));
    await writeFile(join(dir, 'm.safetensors'), safetensorsFile(stTensors));
    const irpa: TestEntry[][] = [
      [
        { spec: { type: EntryType.Data, name: 'i.a', length: 100, alignment: 64 }, payload: randomBytes(100) },
        { spec: { type: EntryType.Skip, name: 'i.skipped' } },
        { spec: { type: EntryType.Splat, name: 'i.s', length: 64, pattern: Uint8Array.of(1, 2, 3, 4) } },
      ],
      [{ spec: { type: EntryType.Data, name: 'i.b', length: 7, alignment: 16, metadata: Uint8Array.of(9) }, payload: randomBytes(7) }],
    ];
    await writeFile(join(dir, 'm.irpa'), chainBytes(irpa).bytes);

    const expanded = (pattern: Uint8Array, n: number) => Buffer.from(Array.from({ length: n }, (_, j) => pattern[j % pattern.length]!));
    const expected: Expected[] = [
      ...ggufTensors.map((x) => ({ key: x.name, length: x.payload.length, sha256: sha256(x.payload) })),
      ...stTensors.map((x) => ({ key: x.name, length: x.payload.length, sha256: sha256(x.payload) })),
      { key: 'i.a', length: 100, sha256: sha256(irpa[0]![0]!.payload!) },
      { key: 'i.s', length: 64, sha256: sha256(expanded(Uint8Array.of(1, 2, 3, 4), 64)) },
      { key: 'i.b', length: 7, sha256: sha256(irpa[1]![0]!.payload!) },
    ];
    const inputs = ['m.gguf', 'm.safetensors', 'm.irpa'].map((f) => `--parameters=${join(dir, f)}`);
    const output = join(dir, 'out.irpa');
    const r = await runCli(['convert', ...inputs, `--output=${output}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, '');
    await checkOutput(t, output, expected);

    const aligned = join(dir, 'aligned.irpa');
    t.is((await runCli(['convert', ...inputs, `--output=${aligned}`, '--align=4096', '--quiet'])).code, 0);
    await checkOutput(t, aligned, expected, 4096);
    const json = await runCli(['dump', `--parameters=${aligned}`, '--json']);
    t.true(json.stdout.trim().split('\n').every((l) => JSON.parse(l).storage !== 'data' || JSON.parse(l).alignment === 4096));
  });
});

test('edits: globs, regex renames, strip with keep, splats over strip, selective realign', async (t) => {
  await inTempDir(async (dir) => {
    const tensors = ['blk.0.attn_q.weight', 'blk.0.attn_q.bias', 'blk.1.attn_k.weight', 'blk.1.ffn.bias', 'output.weight'].map((name) => ({
      name,
      dtype: 'F32',
      shape: [8],
      payload: randomBytes(32),
    }));
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile(tensors));
    const output = join(dir, 'out.irpa');
    const r = await runCli([
      'convert',
      `--parameters=${input}`,
      '--exclude=*.bias',
      '--rename=/blk\\.(\\d+)\\.attn_(.)\\.weight/=layers.$1.$2_proj',
      '--strip',
      '--keep=output.*',
      '--splat=layers.1.k_proj=f32=2',
      '--align=layers.*=256',
      `--output=${output}`,
      '--json',
    ]);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const rows = lines.filter((o) => 'key' in o);
    t.like(lines.at(-1), { summary: { output, parameters: 3, bytesCopied: 32 } });
    t.deepEqual(rows.map((o) => [o.key, o.storage, o.pattern]), [
      ['layers.0.q_proj', 'splat', '00'],
      ['layers.1.k_proj', 'splat', '00000040'],
      ['output.weight', 'data', undefined],
    ]);
    const bytes = await readFile(output);
    t.deepEqual(bytes.subarray(rows[2].offset, rows[2].end), Buffer.from(tensors[4]!.payload));
  });
});

const BAD: [string, string[], number, RegExp][] = [
  ['a splat type without a value', ['--splat=tensor0=f32'], 2, /--splat=tensor0=f32: expected KEY=TYPE=VALUE/],
  ['an unknown splat type', ['--splat=tensor0=q9=1'], 2, /unhandled element type prefix in 'q9'/],
  ['a rename without a new name', ['--rename=novalue'], 2, /--rename=novalue: expected OLD=NEW/],
  ['an alignment of 3', ['--align=3'], 2, /--align=3: the alignment must be a power of two/],
  ['a splat that does not divide its parameter', ['--splat=tensor2=f64=1'], 2, /8-byte pattern does not divide 'tensor2' \(48 bytes\)|does not divide/],
  ['--keep without --strip', ['--keep=x'], 2, /--keep only applies with --strip/],
  ['a bad regular expression', ['--rename=/a(/=b'], 2, /--rename=\/a\(\/=b: error parsing regexp: missing closing \)/],
  ['two keys renamed onto one', ['--rename=tensor0=t', '--rename=tensor1=t'], 1, /two parameters would both be written as 't': 'tensor0' from .* and 'tensor1' from/],
];

for (const [title, flags, code, message] of BAD) {
  test(`convert refuses ${title} and writes nothing`, async (t) => {
    await inTempDir(async (dir) => {
      const input = join(dir, 'in.safetensors');
      await writeFile(input, safetensorsFile([
        { name: 'tensor0', dtype: 'F32', shape: [4], payload: randomBytes(16) },
        { name: 'tensor1', dtype: 'F32', shape: [2], payload: randomBytes(8) },
        { name: 'tensor2', dtype: 'F32', shape: [3], payload: randomBytes(12) },
      ]));
      const output = join(dir, 'out.irpa');
      const r = await runCli(['convert', `--parameters=${input}`, ...flags, `--output=${output}`]);
      t.is(r.code, code, r.stderr);
      t.regex(r.stderr, message);
      t.false(existsSync(output));
    });
  });
}

test('convert warns about --exclude and --rename naming no parameter, and still converts', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile([{ name: 'w', dtype: 'U8', shape: [4], payload: randomBytes(4) }]));
    const r = await runCli(['convert', `--parameters=${input}`, '--exclude=nothing', '--rename=nope=x', `--output=${join(dir, 'o.irpa')}`, '--quiet']);
    t.is(r.code, 0);
    t.regex(r.stderr, /warning: --exclude=nothing names no parameter/);
    t.regex(r.stderr, /warning: --rename=nope=x names no parameter/);
  });
});

test('convert refuses an unreadable input (exit 1) and its own input as output (exit 2)', async (t) => {
  await inTempDir(async (dir) => {
    const output = join(dir, 'out.irpa');
    const missing = await runCli(['convert', `--parameters=${join(dir, 'missing.gguf')}`, `--output=${output}`]);
    t.is(missing.code, 1);
    t.regex(missing.stderr, /missing\.gguf: cannot open for reading: no such file/);
    t.false(existsSync(output));

    const input = join(dir, 'in.irpa');
    t.is((await runCli(['create', '--data=w=16xf32=1', `--output=${input}`, '--quiet'])).code, 0);
    const before = await readFile(input);
    const self = await runCli(['convert', `--parameters=${input}`, `--output=${input}`]);
    t.is(self.code, 2);
    t.regex(self.stderr, /is also an input/);
    t.deepEqual(await readFile(input), before);
  });
});

test('progress counts every byte and every parameter, splats and zeroed ones included', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    const tensors = Array.from({ length: 50 }, (_, i) => ({ name: `t${i}`, dtype: 'U8', shape: [1000 * (i + 1)], payload: randomBytes(1000 * (i + 1)) }));
    await writeFile(input, safetensorsFile(tensors));
    const source = await openSource(input);
    const parameters = source.parameters.map((p, i) => (i % 10 === 0 ? { ...p, storage: { kind: 'splat' as const, pattern: Uint8Array.of(0) } } : p));
    const states: { bytesDone: number; parametersDone: number; parametersTotal: number; bytesTotal: number }[] = [];
    await writeIrpa(join(dir, 'out.irpa'), parameters, { scheduler: new IoScheduler({ chunkBytes: 64 << 10 }), onProgress: (s) => states.push(s) });
    const last = states.at(-1)!;
    const expectedBytes = parameters.filter((p) => p.storage.kind !== 'splat').reduce((n, p) => n + p.length, 0);
    t.is(last.bytesTotal, expectedBytes);
    t.is(last.bytesDone, expectedBytes);
    t.is(last.parametersDone, 50);
    t.is(last.parametersTotal, 50);
    t.is(states[0]!.parametersDone, 5, 'splats are done from the start');
    t.true(states.every((s, i) => i === 0 || s.bytesDone >= states[i - 1]!.bytesDone));
  });
});

test('a /REGEX/ rename replaces every match within a key, as sed s///g does: the README\'s examples', async (t) => {
  const model = join(sharedDir, 'real/gguf/stories260K.gguf');
  await inTempDir(async (dir) => {
    const output = join(dir, 'out.irpa');
    const r = await runCli(['convert', `--parameters=${model}`, '--rename=/blk\\.(\\d+)\\./=layers.$1.', `--output=${output}`, '--json']);
    t.is(r.code, 0, r.stderr);
    const keys = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => 'key' in o).map((o) => o.key as string);
    t.true(keys.includes('layers.0.attn_q.weight'), keys.join(' '));
    t.false(keys.some((k) => k.startsWith('blk.')));
    // Every match in a key, not only the first; an anchored expression matches whole keys only.
    const twice = await runCli(['convert', `--parameters=${model}`, '--rename=/_/=-', '--rename=/^output\\.weight$/=head', `--output=${output}`, '--json']);
    const renamed = twice.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => 'key' in o).map((o) => o.key as string);
    t.true(renamed.includes('blk.0.ffn-gate.weight'));
    t.true(renamed.includes('token-embd.weight'));
    t.true(renamed.includes('head'));
    // The same rule in a job file, as the README writes it.
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: ${model} }]\ntransforms:\n  - rename: { "/blk\\\\.(\\\\d+)\\\\./": "layers.$1." }\nsinks: [{ irpa: { path: job.irpa } }]\n`);
    t.is((await runCli(['run', join(dir, 'job.yaml'), '--quiet'])).code, 0);
    const dumped = await runCli(['dump', `--parameters=${join(dir, 'job.irpa')}`, '--json']);
    t.true(dumped.stdout.includes('"key":"layers.3.ffn_up.weight"'));
  });
});

test('a /REGEX/ rename runs in time linear in the key, whatever the expression: (a+)+$ on a long key takes milliseconds', async (t) => {
  await inTempDir(async (dir) => {
    const key = `${'a'.repeat(5000)}b`;
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile([{ name: key, dtype: 'U8', shape: [1], payload: Uint8Array.of(1) }]));
    const started = performance.now();
    const r = await runCli(['convert', `--parameters=${input}`, '--rename=/(a+)+$/=x', `--output=${join(dir, 'o.irpa')}`, '--quiet']);
    const seconds = (performance.now() - started) / 1000;
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /--rename=\/\(a\+\)\+\$\/=x names no parameter/);
    t.true(seconds < 5, `${seconds} s`);
    const lookahead = await runCli(['convert', `--parameters=${input}`, '--rename=/a(?=b)/=x', `--output=${join(dir, 'o.irpa')}`]);
    t.is(lookahead.code, 2);
    t.regex(lookahead.stderr, /no lookaround, no backreferences/);
  });
});

test('without --format, an output named .safetensors or .gguf is written in that format; --format wins; any other name is IRPA', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(repoRoot, 'examples/tiny.gguf');
    for (const [name, flags, format] of [
      ['model.safetensors', [], 'safetensors'],
      ['MODEL.GGUF', [], 'gguf'],
      ['model.irpa', [], 'irpa'],
      ['model.bin', [], 'irpa'],
      ['model.gguf', ['--format=irpa'], 'irpa'],
    ] as const) {
      const output = join(dir, name);
      const r = await runCli(['convert', `--parameters=${input}`, ...flags, `--output=${output}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
      t.is((await openSource(output)).format, format, name);
    }
  });
});
