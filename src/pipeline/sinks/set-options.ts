import { OUTPUT_FORMATS } from '../../sinks/output-formats.js';
import { defaultShardPrefix, type ShardPolicy } from '../../sinks/shard-plan.js';
import type { ShardSetOptions } from '../../sinks/shard-set-writer.js';
import type { OpenedSource } from '../../sources/open.js';
import type { SetSpec } from '../job-spec.js';

/** A shard set's writer options, keeping the sources' file metadata in the format's form. */
export function setOptions(spec: SetSpec, policy: ShardPolicy, sources: OpenedSource[], warn: (message: string) => void): ShardSetOptions {
  return {
    format: spec.format,
    policy,
    prefix: spec.prefix ?? defaultShardPrefix(spec.format, sources.map((s) => s.path)),
    ...spec.options,
    ...OUTPUT_FORMATS[spec.format].carry(sources, spec.options),
    warn,
  };
}
