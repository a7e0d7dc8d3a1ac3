import { swapBytes, type ByteSwap } from '../formats/byte-swap.js';
import type { Kernel } from './kernel.js';

const kernels = new WeakMap<ByteSwap, Kernel>();

/**
 * A change of byte order as a kernel: each block of `swap.period` bytes has
 * its fields reversed (every element for plain types, the scales and sums of
 * a quant block). One kernel per swap, so ranges that need the same one are
 * recognised as the same.
 */
export function byteSwapKernel(swap: ByteSwap): Kernel {
  let kernel = kernels.get(swap);
  if (!kernel) {
    kernel = {
      name: `byte-swap ${swap.fields.length === 1 && swap.fields[0]![1] === swap.period ? swap.period : `${swap.period}-byte blocks`}`,
      inputUnit: swap.period,
      outputUnit: swap.period,
      run(input, output) {
        if (output !== input) output.set(input);
        swapBytes(output, swap);
      },
    };
    kernels.set(swap, kernel);
  }
  return kernel;
}
