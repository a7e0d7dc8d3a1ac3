// A training loop that keeps its weights in an IRPA archive, using paramflow
// as a library: create the archive once, then at each step load the weights,
// update them and scatter them back in place, each step's I/O ordered after
// the last by fences; at the end, reopen the archive and check every value.
//
//   npm run build && node examples/training-loop.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { declaredParameters, Fence, ParameterProvider, writeIrpa } from '../dist/src/index.js';

const STEPS = 3;
const LEARNING_RATE = 0.25;
const keys = ['layer0.weight', 'layer0.bias', 'layer1.weight'];

const dir = await mkdtemp(join(tmpdir(), 'paramflow-training-'));
try {
  const path = join(dir, 'weights.irpa');
  // Real storage for every weight (zeroed), so they can be written in place.
  await writeIrpa(path, declaredParameters({ data: ['layer0.weight=64x64xf32', 'layer0.bias=64xf32', 'layer1.weight=64x32xf32'] }));

  const provider = await ParameterProvider.open([{ path, scope: 'model' }], { writable: true });
  let saved; // the fence of the last step's writes
  for (let step = 1; step <= STEPS; step++) {
    const loaded = Fence.create(`loaded ${step}`);
    const weights = await provider.load('model', keys, { wait: saved, signal: loaded });
    // The "gradient step": every weight moves by the learning rate.
    const update = new Float32Array(weights.reduce((n, w) => n + w.length, 0) / 4);
    let at = 0;
    const spans = weights.map((w, i) => {
      const values = new Float32Array(w.slice().buffer);
      for (let j = 0; j < values.length; ++j) update[at / 4 + j] = values[j] + LEARNING_RATE;
      const span = { key: keys[i], from: at };
      at += w.length;
      return span;
    });
    saved = Fence.create(`saved ${step}`);
    await provider.scatter('model', new Uint8Array(update.buffer), spans, { wait: loaded, signal: saved });
    console.log(`step ${step}: loaded and wrote back ${update.length} weights`);
  }
  await provider.flush({ wait: saved });
  await provider.close();

  const reopened = await ParameterProvider.open([{ path, scope: 'model' }]);
  const final = await reopened.load('model', keys);
  await reopened.close();
  const expected = STEPS * LEARNING_RATE;
  const values = final.flatMap((w) => [...new Float32Array(w.slice().buffer)]);
  const wrong = values.filter((v) => v !== expected).length;
  if (wrong > 0) throw new Error(`${wrong} of ${values.length} weights are not ${expected}`);
  console.log(`step ${STEPS}: reopened, all ${values.length} weights are ${expected}: verified`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
