import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './helpers/paths.js';

/** The layers of src/, lowest first: each may import only from those before it. */
const LAYERS = ['(root)', 'formats', 'kernels', 'model', 'io', 'scheduler', 'device', 'sources', 'transforms', 'sinks', 'provider', 'pipeline', 'cli', '(index)'];

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** The layer of a file under src/. */
function layerOf(src: string, file: string): string {
  const parts = relative(src, file).split('/');
  if (parts.length === 1) return parts[0] === 'index.ts' ? '(index)' : '(root)';
  return parts[0]!;
}

test('no folder of src/ imports a higher layer: the order the README lists', async (t) => {
  const src = join(repoRoot, 'src');
  const wrong: string[] = [];
  let imports = 0;
  for await (const file of tsFiles(src)) {
    const from = layerOf(src, file);
    t.true(LAYERS.includes(from), `${relative(repoRoot, file)}: a folder the layer list does not know`);
    for (const [, spec] of (await readFile(file, 'utf8')).matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = layerOf(src, resolve(dirname(file), spec!));
      imports += 1;
      if (to !== from && LAYERS.indexOf(to) > LAYERS.indexOf(from)) wrong.push(`${relative(repoRoot, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  t.deepEqual(wrong, []);
  t.true(imports > 300, `read ${imports} imports`);
});
