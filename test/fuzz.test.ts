import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../src/errors.js';
import { parseFlags } from '../src/cli/flags.js';
import { parseJob } from '../src/pipeline/load.js';
import { fuzzSource } from './helpers/fuzz.js';
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
