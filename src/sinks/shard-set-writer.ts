import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FileCache } from '../io/inputs/file-cache.js';
import type { Parameter } from '../model/parameter.js';
import type { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ProgressState } from '../scheduler/progress.js';
import { writeFiles } from './container-writer.js';
import type { FilePlan } from './file-plan.js';
import type { CarriedMetadata, FileOptions } from './output-format.js';
import { OUTPUT_FORMATS, type OutputFormatName } from './output-formats.js';
import { planShards, shardName, type ShardPolicy } from './shard-plan.js';

export type ShardFormat = OutputFormatName;

export interface ShardSetOptions extends FileOptions, CarriedMetadata {
  format: ShardFormat;
  /** Runs the copies of every shard at once; a default one if not given. */
  scheduler?: IoScheduler;
  policy: ShardPolicy;
  /** File names are PREFIX-00001-of-0000N.EXT. */
  prefix: string;
  warn?: (message: string) => void;
  /** Flush the files to disk (default true). */
  sync?: boolean;
  /** Hears running totals of bytes and parameters written. */
  onProgress?: ((state: ProgressState) => void) | undefined;
  /** The inputs the parameters were read with (standard input's state among them). */
  inputs?: FileCache;
}

/**
 * Plans parameters as a shard set in `dir`, named and indexed as each
 * ecosystem expects (see each format's entry in OUTPUT_FORMATS): IRPA
 * shards; safetensors shards plus `PREFIX.safetensors.index.json` (one
 * shard: a plain `PREFIX.safetensors`, no index, as Hugging Face saves a
 * model); GGUF shards carrying gguf-split's `split.no`, `split.count` and
 * `split.tensors.count`, the full metadata in the first only. The sources'
 * metadata is taken from `options` (kv, metadata, fileMetadata).
 */
export function planShardSet(dir: string, parameters: Parameter[], options: ShardSetOptions): FilePlan[] {
  const { prefix } = options;
  const format = OUTPUT_FORMATS[options.format];
  // Bytes a parameter takes in a shard: splats take none where they stay splats.
  const bytesIn = (p: Parameter) => (format.keepsSplats && p.storage.kind === 'splat' ? 0 : p.length);
  const shards = planShards(parameters, options.policy, bytesIn, options.warn);
  const plain = format.plainSetOfOne && shards.length === 1;
  const named = shards.map((shard, i) => ({ name: plain ? `${prefix}.${format.extension}` : shardName(prefix, i, shards.length, format.extension), parameters: shard }));
  const plans = named.map(({ name, parameters: shard }, i) => format.plan(join(dir, name), shard, options, options, { index: i, count: shards.length, parameters: parameters.length }).plan);
  const index = plain ? undefined : format.setIndex?.(dir, prefix, named);
  return index ? [...plans, index] : plans;
}

/**
 * Writes a shard set (see planShardSet) in one pass over the inputs, into
 * `dir` (made if missing). Each file appears only once all are complete.
 * Returns the file names written.
 */
export async function writeShardSet(dir: string, parameters: Parameter[], options: ShardSetOptions): Promise<string[]> {
  const plans = planShardSet(dir, parameters, options);
  await mkdir(dir, { recursive: true });
  await writeFiles(plans, { ...(options.scheduler ? { scheduler: options.scheduler } : {}), ...(options.inputs ? { inputs: options.inputs } : {}), sync: options.sync ?? true, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return plans.map((plan) => basename(plan.path));
}
