/**
 * A kernel pool thread: makes each kernel from its recipe once, then runs it
 * over shared memory the caller owns (input and output are views of
 * SharedArrayBuffers, so nothing is copied either way).
 */
import { parentPort } from 'node:worker_threads';
import type { Kernel } from './kernel.js';
import { kernelOf, type KernelRecipe } from './recipes.js';

export interface KernelTask {
  id: number;
  recipe: KernelRecipe;
  input: Uint8Array;
  output: Uint8Array;
}

const kernels = new Map<string, Kernel>();

parentPort?.on('message', ({ id, recipe, input, output }: KernelTask) => {
  try {
    const key = JSON.stringify(recipe);
    let kernel = kernels.get(key);
    if (!kernel) kernels.set(key, (kernel = kernelOf(recipe)));
    kernel.run(input, output);
    parentPort!.postMessage({ id });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message });
  }
});
