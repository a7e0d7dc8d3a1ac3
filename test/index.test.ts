import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadParameterIndex } from '../src/cli/parameters-flag.js';
import { runCli } from './helpers/cli.js';
import { ggufFile } from './helpers/gguf-bytes.js';
import { tempDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

async function files() {
  const { dir, cleanup } = await tempDir();
  const gguf = join(dir, 'a.bin'); // the extension says nothing: formats go by content
  const st = join(dir, 'b.bin');
  await writeFile(gguf, ggufFile({ tensors: [{ name: 'w', dims: [4], typeId: 0, payload: randomBytes(16) }] }));
  await writeFile(st, safetensorsFile([{ name: 'v', dtype: 'U8', shape: [3], payload: randomBytes(3) }, { name: 'w', dtype: 'U8', shape: [1], payload: randomBytes(1) }]));
  return { dir, gguf, st, cleanup };
}

test('several files feed one scope, scopes keep their order, lookups find scope and key', async (t) => {
  const { gguf, st, cleanup } = await files();
  try {
    const { index } = await loadParameterIndex([`m=${gguf}`, `n=${st}`]);
    t.deepEqual(index.scopeNames(), ['m', 'n']);
    t.is(index.lookup('n', 'w').length, 1);
    t.is(index.lookup('m', 'w').length, 16);
    t.throws(() => index.lookup('m', 'v'), { message: /no parameter 'm::v'/ });
    t.throws(() => index.lookup('x', 'v'), { message: /no scope 'x' \(scopes: 'm', 'n'\)/ });
  } finally {
    await cleanup();
  }
});

test('a key given by two files of one scope is an error naming both', async (t) => {
  const { gguf, st, cleanup } = await files();
  try {
    const r = await runCli(['dump', `--parameters=m=${gguf}`, `--parameters=m=${st}`]);
    t.is(r.code, 1);
    t.is(r.stderr, `paramflow dump: error: parameter 'm::w' is in both ${gguf} and ${st}\n`);
  } finally {
    await cleanup();
  }
});
