import test from 'ava';
import { randomBytes } from 'node:crypto';
import { castKernel } from '../src/kernels/cast.js';
import { compute, type Kernel } from '../src/kernels/kernel.js';
import { KernelPool } from '../src/kernels/kernel-pool.js';

const shared = (bytes: Uint8Array) => {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length));
  view.set(bytes);
  return view;
};

test('kernels with a recipe run on the pool threads over shared memory, several at once, with the bytes they give on the calling thread', async (t) => {
  const pool = new KernelPool(2);
  const inputs = Array.from({ length: 6 }, () => randomBytes(1 << 20));
  const kernel = castKernel('F32', 'F16');
  const outputs = await Promise.all(inputs.map((input) => pool.run(kernel, shared(input), new Uint8Array(new SharedArrayBuffer(1 << 19)))));
  for (const [i, input] of inputs.entries()) t.true(Buffer.from(outputs[i]!).equals(compute(kernel, new Uint8Array(input))), `chunk ${i}`);
  // Small, unshared or recipe-less work runs where it is called, with the same result.
  const small = randomBytes(4096);
  t.true(Buffer.from(await pool.run(kernel, new Uint8Array(small))).equals(compute(kernel, new Uint8Array(small))));
});

test('a kernel that fails on a pool thread fails its run with the reason; the pool goes on', async (t) => {
  const pool = new KernelPool(1);
  const broken: Kernel = { name: 'broken', inputUnit: 4, outputUnit: 2, recipe: { kind: 'cast', from: 'NOPE', to: 'F16', bigEndian: false }, run: () => undefined };
  await t.throwsAsync(pool.run(broken, shared(new Uint8Array(1 << 20)), new Uint8Array(new SharedArrayBuffer(1 << 19))), { message: /kernel thread: .*/ });
  const kernel = castKernel('F32', 'BF16');
  const input = randomBytes(1 << 20);
  t.true(Buffer.from(await pool.run(kernel, shared(input), new Uint8Array(new SharedArrayBuffer(1 << 19)))).equals(compute(kernel, new Uint8Array(input))));
});
