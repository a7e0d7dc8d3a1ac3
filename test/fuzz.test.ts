import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../src/errors.js';
import { parseFlags } from '../src/cli/flags.js';
import { parseJob } from '../src/pipeline/load.js';
import { EntryType } from '../src/formats/irpa/constants.js';
import { GgufValueType } from '../src/formats/gguf/types.js';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { fuzzSource } from './helpers/fuzz.js';
import { ggufFile, metadataArraysGguf } from './helpers/gguf-bytes.js';
import { archiveBytes } from './helpers/irpa-bytes.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';
import { inTempDir, repoRoot } from './helpers/paths.js';

// A fixed seed and a few hundred cases per format keep this quick; bench/fuzz runs long campaigns.
const RUNS = 300;
const SEED = 20261122;

for (const name of ['tiny.irpa', 'tiny.gguf', 'tiny.safetensors']) {
  test(`damaged copies of ${name} parse or are refused with a typed error, each within the time bound`, async (t) => {
    const original = await readFile(join(repoRoot, 'examples', name));
    await inTempDir(async (dir) => {
      const outcome = await fuzzSource(dir, name, original, RUNS, SEED);
      t.deepEqual(outcome.failures, []);
      t.log(`${name}: ${outcome.parsed} parsed, ${outcome.refused} refused`);
      t.true(outcome.refused > 0, 'the mutations do reach the checks');
    });
  });
}

for (const littleEndian of [true, false]) {
  const name = littleEndian ? 'arrays.gguf' : 'arrays-be.gguf';
  test(`damaged copies of a GGUF full of metadata arrays (${littleEndian ? 'little' : 'big'}-endian) parse or are refused, each within the time bound`, async (t) => {
    await inTempDir(async (dir) => {
      const outcome = await fuzzSource(dir, name, metadataArraysGguf(littleEndian), RUNS, SEED);
      t.deepEqual(outcome.failures, []);
      t.log(`${name}: ${outcome.parsed} parsed, ${outcome.refused} refused`);
      t.true(outcome.refused > 0);
    });
  });
}

/** Names that are also names of JavaScript object properties. */
const PROPERTY_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype', 'length'];

test('keys named like object properties are kept by every reader and every writer', async (t) => {
  await inTempDir(async (dir) => {
    const payload = (i: number) => Float32Array.of(i, -i).buffer;
    const inputs: Record<string, Uint8Array> = {
      safetensors: safetensorsFile(PROPERTY_NAMES.map((name, i) => ({ name, dtype: 'F32', shape: [2], payload: new Uint8Array(payload(i)) }))),
      gguf: ggufFile({ kv: PROPERTY_NAMES.map((key, i) => ({ key, type: GgufValueType.UINT32, value: i })), tensors: PROPERTY_NAMES.map((name, i) => ({ name, dims: [2], typeId: 0, payload: new Uint8Array(payload(i)) })) }),
      irpa: archiveBytes(PROPERTY_NAMES.map((name, i) => ({ spec: { type: EntryType.Data, name, metadata: undefined, length: 8, alignment: 64 }, payload: new Uint8Array(payload(i)) }))),
    };
    for (const [from, bytes] of Object.entries(inputs)) {
      const input = join(dir, `in.${from}`);
      await writeFile(input, bytes);
      for (const format of ['irpa', 'safetensors', 'gguf']) {
        const output = join(dir, `${from}-to.${format}`);
        // A plain IRPA entry has no dtype: written elsewhere as bytes.
        const raw = from === 'irpa' && format !== 'irpa' ? [`--raw-dtype=${format === 'gguf' ? 'I8' : 'U8'}`] : [];
        const converted = await runCli(['convert', `--parameters=${input}`, `--format=${format}`, ...raw, `--output=${output}`, '--quiet']);
        t.is(converted.code, 0, `${from} to ${format}: ${converted.stderr}`);
        const verified = await runCli(['verify', input, output]);
        t.is(verified.code, 0, `${from} to ${format}: ${verified.stdout}${verified.stderr}`);
        const source = await openSource(output);
        t.deepEqual(source.parameters.map((p) => p.key).sort(), [...PROPERTY_NAMES].sort(), `${from} to ${format}`);
      }
    }
  });
});

test('damaged tar files of parameter files parse or are refused with a typed error', async (t) => {
  await inTempDir(async (dir) => {
    const r = spawnSync('tar', ['-cf', join(dir, 'model.tar'), '-C', join(repoRoot, 'examples'), 'tiny.safetensors', 'tiny.irpa']);
    t.is(r.status, 0);
    const outcome = await fuzzSource(dir, 'fuzzed.tar', await readFile(join(dir, 'model.tar')), RUNS, SEED);
    t.deepEqual(outcome.failures, []);
    t.log(`tar: ${outcome.parsed} parsed, ${outcome.refused} refused`);
  });
});

test('job files of random text, and damaged example jobs, are valid or a usage error', async (t) => {
  const example = await readFile(join(repoRoot, 'pipelines/quickstart.yaml'), 'utf8');
  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.tuple(fc.nat({ max: example.length }), fc.nat({ max: 40 }), fc.string({ maxLength: 20 })).map(([at, cut, insert]) => example.slice(0, at) + insert + example.slice(at + cut)),
  );
  fc.assert(
    fc.property(text, (yaml) => {
      try {
        parseJob('job.yaml', yaml);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
      }
    }),
    { numRuns: 500, seed: SEED },
  );
  t.pass();
});

test('random command lines parse or are a usage error', (t) => {
  const specs = [
    { name: 'parameters', kind: 'list' as const, help: '' },
    { name: 'output', kind: 'string' as const, help: '' },
    { name: 'quiet', kind: 'bool' as const, help: '' },
    { name: 'shards', kind: 'int' as const, help: '' },
  ];
  const arg = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('--parameters', '--output=', '--quiet=maybe', '--shards=1e3', '--shards=-1', '--', '--help', '--flagfile=/nonexistent', '--pa', '--output'));
  fc.assert(
    fc.property(fc.array(arg, { maxLength: 8 }), (args) => {
      try {
        parseFlags('test', args, specs);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
      }
    }),
    { numRuns: 1000, seed: SEED },
  );
  t.pass();
});
