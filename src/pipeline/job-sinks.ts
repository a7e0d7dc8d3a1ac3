import { parseByteSize } from '../byte-size.js';
import { UsageError } from '../errors.js';
import { DEFAULT_OUTPUT_FORMAT } from '../sinks/output-formats.js';
import type { ShardPolicy } from '../sinks/shard-plan.js';
import type { SinkSpec } from './job-spec.js';
import type { JobSink } from './schema.js';

type SinkName = keyof JobSink;
type Common = 'says' | 'transforms';
type Reader<K extends SinkName> = (value: NonNullable<JobSink[K]>, resolvePath: (path: string) => string) => Omit<SinkSpec, Common>;

/** A set's keys in a `shards` or `tar` sink. */
const setOf = (spec: Omit<NonNullable<JobSink['tar']>, 'path'>) => ({
  format: spec.format ?? DEFAULT_OUTPUT_FORMAT,
  prefix: spec.prefix,
  options: { rawDtype: spec['raw-dtype'], tensorMetadata: spec['tensor-metadata'] ?? false },
});

/**
 * How each sink of a job file becomes the engine's sink: its values parsed,
 * its paths resolved. One entry per key of the schema's `sink`.
 */
export const JOB_SINKS: { [K in SinkName]-?: Reader<K> } = {
  irpa: (v, at) => ({ kind: 'file', format: 'irpa', path: at(v.path), options: { alignment: v.alignment, tensorMetadata: v['tensor-metadata'] } }),
  safetensors: (v, at) => ({ kind: 'file', format: 'safetensors', path: at(v.path), options: { rawDtype: v['raw-dtype'] } }),
  gguf: (v, at) => ({ kind: 'file', format: 'gguf', path: at(v.path), options: { rawDtype: v['raw-dtype'] } }),
  shards: (v, at) => ({ kind: 'shards', dir: at(v.dir), ...setOf(v), policy: shardPolicy(v), force: v.force ?? false }),
  tar: (v, at) => {
    const split = v['max-shard-size'] !== undefined || v['max-shard-params'] !== undefined || v.shards !== undefined;
    return { kind: 'tar', path: at(v.path), ...setOf(v), policy: split ? shardPolicy(v) : undefined };
  },
  device: (v) => ({ kind: 'device', backend: v.backend, priority: v.priority === undefined ? [] : Array.isArray(v.priority) ? v.priority : [v.priority], verify: v.verify ?? false }),
};

function shardPolicy(shards: Pick<NonNullable<JobSink['shards']>, 'max-shard-size' | 'max-shard-params' | 'shards'>): ShardPolicy {
  const size = shards['max-shard-size'];
  const given = [size, shards['max-shard-params'], shards.shards].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError('give one of max-shard-size, max-shard-params or shards');
  if (size !== undefined) return { maxShardBytes: typeof size === 'number' ? size : parseByteSize(size, `max-shard-size ${size}`) };
  if (shards['max-shard-params'] !== undefined) return { maxShardParams: shards['max-shard-params'] };
  return { shards: shards.shards! };
}
