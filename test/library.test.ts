import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import * as paramflow from '../src/index.js';
import { inTempDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

test('the library entry opens, edits and writes parameters', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'in.safetensors');
    await writeFile(input, safetensorsFile([{ name: 'a.weight', dtype: 'F32', shape: [4], payload: randomBytes(16) }, { name: 'a.bias', dtype: 'F32', shape: [4], payload: randomBytes(16) }]));
    const source = await paramflow.openSource(input);
    const edited = await lastValueFrom(from(source.parameters).pipe(paramflow.compose([paramflow.exclude(['*.bias']), paramflow.flattenScopes()]), toArray()));
    const written = await paramflow.writeIrpa(join(dir, 'out.irpa'), edited);
    t.deepEqual(written.parameters.map((p) => p.key), ['a.weight']);
    t.is(paramflow.detectFormat(new TextEncoder().encode('GGUF')), 'gguf');
  });
});
