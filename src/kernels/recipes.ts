import { castKernel, type CastTarget } from './cast.js';
import { dequantizeKernel, type DequantizeTarget } from './dequantize.js';
import { quantizeKernel } from './quantize.js';
import type { Kernel } from './kernel.js';

/**
 * How to make a kernel again, as plain data a worker thread can be sent: a
 * kernel with a recipe runs on the kernel pool's threads, one without runs
 * where it is called (a byte swap: native, and faster than a message).
 */
export type KernelRecipe = { kind: 'cast'; from: string; to: CastTarget; bigEndian: boolean }
  | { kind: 'dequantize'; type: string; to: DequantizeTarget; bigEndian: boolean }
  | { kind: 'quantize'; from: string; type: string; bigEndian: boolean };

/** Every kind of recipe, and the kernel it makes. */
const RECIPES: { [K in KernelRecipe['kind']]: (recipe: Extract<KernelRecipe, { kind: K }>) => Kernel } = {
  cast: (r) => castKernel(r.from, r.to, r.bigEndian),
  dequantize: (r) => dequantizeKernel(r.type, r.to, r.bigEndian),
  quantize: (r) => quantizeKernel(r.from, r.type, r.bigEndian),
};

export const kernelOf = (recipe: KernelRecipe): Kernel => (RECIPES[recipe.kind] as (r: KernelRecipe) => Kernel)(recipe);
