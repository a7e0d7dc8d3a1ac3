import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';

export interface SchedulerOptions {
  /** Bytes held in host buffers at once, at most. */
  budgetBytes?: number | undefined;
  /** Size of one buffered read/write (and of each pooled buffer). */
  chunkBytes?: number | undefined;
  /** Jobs in flight at once. */
  concurrency?: number | undefined;
  /**
   * Use the kernel's copy_file_range for large file-to-file copies where
   * available. Off by default: on ext4 with a warm cache, buffered reads and
   * writes measured faster (bench/convert); PARAMFLOW_KERNEL_COPY=1 turns it on.
   */
  kernelCopy?: boolean | undefined;
}

export const SCHEDULER_DEFAULTS = {
  budgetBytes: 64 * 2 ** 20,
  // Buffers that stay in the CPU's caches: 2 MiB beat 8 MiB by a fifth to a
  // quarter, and 1 MiB, both for 300 large and 100,000 small parameters
  // (bench/convert, interleaved runs on a 2-core machine).
  chunkBytes: 2 * 2 ** 20,
  // Two jobs per core at most: on a 2-core machine more writers to one file
  // only contend in the kernel (measured with bench/convert: 2 beat 4).
  concurrency: Math.min(4, Math.max(2, availableParallelism())),
  kernelCopyMinBytes: 4 * 2 ** 20,
  kernelChunkBytes: 64 * 2 ** 20,
  maxGapBytes: 64 * 2 ** 10,
};

/**
 * What each numeric option may be. A chunk is one buffer: from a page to
 * 1 GiB (a Node buffer holds at most 4 GiB, and the budget holds several).
 */
export const SCHEDULER_LIMITS = {
  budgetBytes: { min: 4096, max: 2 ** 40, text: '4KiB to 1TiB' },
  chunkBytes: { min: 4096, max: 2 ** 30, text: '4KiB to 1GiB' },
  concurrency: { min: 1, max: 256, text: '1 to 256' },
} as const;

export type LimitedOption = keyof typeof SCHEDULER_LIMITS;

/**
 * Checks the numeric options against SCHEDULER_LIMITS, as the scheduler's
 * constructor does. `asked` says how the caller was given an option (a
 * flag, a job file's line and key), for the error; by default its name.
 */
export function checkSchedulerOptions<T extends SchedulerOptions>(options: T, asked: (option: LimitedOption, value: number) => string = (option, value) => `${option} ${value}`): T {
  for (const option of Object.keys(SCHEDULER_LIMITS) as LimitedOption[]) {
    const value = options[option];
    const { min, max, text } = SCHEDULER_LIMITS[option];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min && value <= max)) throw new UsageError(`${asked(option, value)}: must be ${text}`);
  }
  return options;
}
