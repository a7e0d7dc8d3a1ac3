import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { GgufKvInput } from '../formats/gguf/encode.js';
import { GgufValueType } from '../formats/gguf/types.js';
import type { Parameter } from '../model/parameter.js';
import type { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ProgressState } from '../scheduler/progress.js';
import { writeFiles } from './container-writer.js';
import { planBytesFile, type FilePlan } from './file-plan.js';
import { planGgufFile } from './gguf-writer.js';
import { planIrpaFile } from './irpa-writer.js';
import { planShards, shardName, type ShardPolicy } from './shard-plan.js';
import { planSafetensorsFile } from './safetensors-writer.js';

export type ShardFormat = 'irpa' | 'safetensors' | 'gguf';

export interface ShardSetOptions {
  format: ShardFormat;
  /** Runs the copies of every shard at once; a default one if not given. */
  scheduler?: IoScheduler;
  policy: ShardPolicy;
  /** File names are PREFIX-00001-of-0000N.EXT. */
  prefix: string;
  rawDtype?: string;
  tensorMetadata?: boolean;
  /** GGUF key/values for the first shard. */
  kv?: GgufKvInput[];
  /** safetensors `__metadata__` for every shard. */
  metadata?: Record<string, string> | undefined;
  /** With tensorMetadata: the IRPA metadata entry's blob, for the first shard. */
  fileMetadata?: Uint8Array | undefined;
  warn?: (message: string) => void;
  /** Flush the files to disk (default true). */
  sync?: boolean;
  /** Hears running totals of bytes and parameters written. */
  onProgress?: ((state: ProgressState) => void) | undefined;
}

/** Bytes a parameter takes in a shard: splats take none in IRPA and are expanded elsewhere. */
const bytesIn = (format: ShardFormat) => (p: Parameter) => (format === 'irpa' && p.storage.kind === 'splat' ? 0 : p.length);

/**
 * Plans parameters as a shard set in `dir`, named and indexed as each
 * ecosystem expects: IRPA shards; safetensors shards plus
 * `PREFIX.safetensors.index.json` (one shard: a plain `PREFIX.safetensors`,
 * no index, as Hugging Face saves a model); GGUF shards carrying gguf-split's
 * `split.no`, `split.count` and `split.tensors.count`, the full metadata in
 * the first only.
 */
export function planShardSet(dir: string, parameters: Parameter[], options: ShardSetOptions): FilePlan[] {
  const { format, prefix } = options;
  const shards = planShards(parameters, options.policy, bytesIn(format), options.warn);
  // A safetensors set of one is a plain PREFIX.safetensors with no index, as Hugging Face saves it.
  const single = format === 'safetensors' && shards.length === 1;
  const names = shards.map((_, i) => (single ? `${prefix}.safetensors` : shardName(prefix, i, shards.length, format)));
  const plans = shards.map((shard, i): FilePlan => {
    const path = join(dir, names[i]!);
    if (format === 'irpa') return planIrpaFile(path, shard, { tensorMetadata: options.tensorMetadata ?? false, fileMetadata: i === 0 ? options.fileMetadata : undefined }).plan;
    if (format === 'safetensors') return planSafetensorsFile(path, shard, { rawDtype: options.rawDtype, metadata: options.metadata });
    const split: GgufKvInput[] = [
      // The order llama-gguf-split writes them in.
      { key: 'split.no', type: GgufValueType.UINT16, value: i },
      { key: 'split.tensors.count', type: GgufValueType.INT32, value: parameters.length },
      { key: 'split.count', type: GgufValueType.UINT16, value: shards.length },
    ];
    return planGgufFile(path, shard, { rawDtype: options.rawDtype, kv: i === 0 ? [...(options.kv ?? []), ...split] : split });
  });
  if (format === 'safetensors' && !single) {
    // Keys sorted, as Hugging Face writes the weight_map.
    const entries: [string, string][] = shards.flatMap((shard, i) => shard.map((p): [string, string] => [p.key, names[i]!]));
    const weightMap = Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const totalSize = parameters.reduce((n, p) => n + p.length, 0);
    const index = JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2);
    plans.push(planBytesFile(join(dir, `${prefix}.safetensors.index.json`), Buffer.from(`${index}\n`)));
  }
  return plans;
}

/**
 * Writes a shard set (see planShardSet) in one pass over the inputs, into
 * `dir` (made if missing). Each file appears only once all are complete.
 * Returns the file names written.
 */
export async function writeShardSet(dir: string, parameters: Parameter[], options: ShardSetOptions): Promise<string[]> {
  const plans = planShardSet(dir, parameters, options);
  await mkdir(dir, { recursive: true });
  await writeFiles(plans, { ...(options.scheduler ? { scheduler: options.scheduler } : {}), sync: options.sync ?? true, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return plans.map((plan) => basename(plan.path));
}
