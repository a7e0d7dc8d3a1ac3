import { join } from 'node:path';
import PQueue from 'p-queue';
import type { GgufKvInput } from '../formats/gguf/encode.js';
import { GgufValueType } from '../formats/gguf/types.js';
import { writeAtomically } from '../io/atomic-output.js';
import type { Parameter } from '../model/parameter.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ContainerWriteOptions } from './container-writer.js';
import { writeGguf } from './gguf-writer.js';
import { writeIrpa } from './irpa-writer.js';
import { planShards, shardName, type ShardPolicy } from './shard-plan.js';
import { writeSafetensors } from './safetensors-writer.js';

export type ShardFormat = 'irpa' | 'safetensors' | 'gguf';

export interface ShardSetOptions {
  format: ShardFormat;
  /** Runs every shard's copies; a default one per shard if not given. */
  scheduler?: IoScheduler;
  policy: ShardPolicy;
  /** File names are PREFIX-00001-of-0000N.EXT. */
  prefix: string;
  rawDtype?: string;
  tensorMetadata?: boolean;
  /** GGUF key/values for the first shard. */
  kv?: GgufKvInput[];
  /** safetensors `__metadata__` for every shard. */
  metadata?: Record<string, string>;
  warn?: (message: string) => void;
}

/** Bytes a parameter takes in a shard: splats take none in IRPA and are expanded elsewhere. */
const bytesIn = (format: ShardFormat) => (p: Parameter) => (format === 'irpa' && p.storage.kind === 'splat' ? 0 : p.length);

/**
 * Writes parameters as a shard set in `dir`, named and indexed as each
 * ecosystem expects: IRPA shards; safetensors shards plus
 * `PREFIX.safetensors.index.json`; GGUF shards carrying gguf-split's
 * `split.no`, `split.count` and `split.tensors.count`, the full metadata in
 * the first only. Returns the files written.
 */
export async function writeShardSet(dir: string, parameters: Parameter[], options: ShardSetOptions): Promise<string[]> {
  const { format, prefix } = options;
  const shards = planShards(parameters, options.policy, bytesIn(format), options.warn);
  const files = shards.map((_, i) => shardName(prefix, i, shards.length, format));
  // Every shard shares one scheduler; each writer gets only the options it takes.
  const io: ContainerWriteOptions = { scheduler: options.scheduler ?? new IoScheduler() };
  const writeShard = async (i: number, shard: Parameter[]) => {
    const path = join(dir, files[i]!);
    if (format === 'irpa') await writeIrpa(path, shard, { ...io, tensorMetadata: options.tensorMetadata ?? false });
    else if (format === 'safetensors') await writeSafetensors(path, shard, { ...io, rawDtype: options.rawDtype, metadata: options.metadata });
    else {
      const split: GgufKvInput[] = [
        // The order llama-gguf-split writes them in.
        { key: 'split.no', type: GgufValueType.UINT16, value: i },
        { key: 'split.tensors.count', type: GgufValueType.INT32, value: parameters.length },
        { key: 'split.count', type: GgufValueType.UINT16, value: shards.length },
      ];
      await writeGguf(path, shard, { ...io, rawDtype: options.rawDtype, kv: i === 0 ? [...(options.kv ?? []), ...split] : split });
    }
  };
  // Two shards at once: one can be flushed to disk while the next is filled.
  // Both share the scheduler, so bytes in flight stay within its budget.
  const queue = new PQueue({ concurrency: 2 });
  const results = await Promise.allSettled(shards.map((shard, i) => queue.add(() => writeShard(i, shard))));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (format === 'safetensors') {
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => shard.forEach((p) => (weightMap[p.key] = files[i]!)));
    const totalSize = parameters.reduce((n, p) => n + p.length, 0);
    const index = `${prefix}.safetensors.index.json`;
    await writeAtomically(join(dir, index), (out) => out.write(Buffer.from(`${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`), 0));
    files.push(index);
  }
  return files;
}
