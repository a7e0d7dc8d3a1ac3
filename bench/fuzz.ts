/**
 * A long fuzzing campaign of the parsers: mutated copies of the example
 * files, of a tar of two of them and of a GGUF full of metadata arrays in
 * either byte order (bit flips, truncations, random bytes, lying u64 counts and lengths)
 * opened as sources. Each must parse or be refused with a typed error within
 * 2 s. Prints cases tried, parsed, refused, and every failure.
 *
 *   npm run build && node dist/bench/fuzz.js [CASES_PER_FORMAT=100000] [--seed=N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzSource } from '../test/helpers/fuzz.js';
import { metadataArraysGguf } from '../test/helpers/gguf-bytes.js';
import { repoRoot } from '../test/helpers/paths.js';
import { flag } from './lib.js';

const cases = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 100_000);
const seed = Number(flag('seed') ?? Date.now() % 2 ** 31);
const dir = await mkdtemp(join(tmpdir(), 'paramflow-fuzz-'));
let failed = 0;
try {
  console.log(`seed ${seed}, ${cases} cases per format`);
  spawnSync('tar', ['-cf', join(dir, 'model.tar'), '-C', join(repoRoot, 'examples'), 'tiny.safetensors', 'tiny.irpa']);
  const inputs: [string, string][] = [
    ...['tiny.irpa', 'tiny.gguf', 'tiny.safetensors'].map((n): [string, string] => [n, join(repoRoot, 'examples', n)]),
    ['model.tar', join(dir, 'model.tar')],
    ['arrays.gguf', join(dir, 'arrays.gguf')],
    ['arrays-be.gguf', join(dir, 'arrays-be.gguf')],
  ];
  await writeFile(join(dir, 'arrays.gguf'), metadataArraysGguf(true));
  await writeFile(join(dir, 'arrays-be.gguf'), metadataArraysGguf(false));
  for (const [name, path] of inputs) {
    const started = performance.now();
    const outcome = await fuzzSource(dir, `fuzzed-${name}`, await readFile(path), cases, seed);
    failed += outcome.failures.length;
    console.log(`${name.padEnd(18)} ${cases} tried: ${outcome.parsed} parsed, ${outcome.refused} refused, ${outcome.failures.length} failures (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    for (const f of outcome.failures.slice(0, 10)) console.log(`  ${f}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed > 0 ? 1 : 0;
