import type { KernelRecipe } from './recipes.js';

/**
 * A payload kernel: computes a parameter's bytes from its source bytes, a
 * unit at a time. Work is cut on whole units, so any run of units can be
 * computed alone, in any order, in whatever chunks the scheduler picks: a
 * unit is an element for a cast, a block for a quantizer or a byte swap of
 * quant blocks. Output may be longer or shorter than input (`outputUnit`
 * against `inputUnit`).
 */
export interface Kernel {
  /** What it does, shown in plans and messages (`byte-swap 2`). */
  name: string;
  /** Source bytes per unit. */
  inputUnit: number;
  /** Output bytes per unit. */
  outputUnit: number;
  /**
   * Computes `output` (n × outputUnit bytes) from `input` (n × inputUnit
   * bytes). When the units are equal, `output` may be `input` itself.
   */
  run(input: Uint8Array, output: Uint8Array): void;
  /** How a worker thread makes the same kernel; without one, it runs on the calling thread. */
  recipe?: KernelRecipe;
}

/** Output bytes for `inputBytes` of source (a whole number of units). */
export const outputBytes = (kernel: Kernel, inputBytes: number): number => (inputBytes / kernel.inputUnit) * kernel.outputUnit;

/** Source bytes for `outputBytes` of output (a whole number of units). */
export const inputBytes = (kernel: Kernel, outputBytes: number): number => (outputBytes / kernel.outputUnit) * kernel.inputUnit;

/** Whether the kernel can write its output over its input. */
export const inPlace = (kernel: Kernel): boolean => kernel.inputUnit === kernel.outputUnit;

/** The most units whose input and output each fit in `bytes`: at least one. */
export const unitsWithin = (kernel: Kernel, bytes: number): number => Math.max(1, Math.floor(bytes / Math.max(kernel.inputUnit, kernel.outputUnit)));

/** Runs `kernel` over `input` into `output` (or in place), returning the output's bytes. */
export function compute(kernel: Kernel, input: Uint8Array, output?: Uint8Array): Uint8Array {
  const length = outputBytes(kernel, input.length);
  const out = output ? output.subarray(0, length) : inPlace(kernel) ? input : new Uint8Array(length);
  kernel.run(input, out);
  return out;
}

const made = new Map<string, Kernel>();

/** The kernel named `name`, made once: ranges that need the same kernel are seen to need the same. */
export function namedKernel(name: string, make: () => Omit<Kernel, 'name'>): Kernel {
  let kernel = made.get(name);
  if (!kernel) made.set(name, (kernel = { name, ...make() }));
  return kernel;
}
