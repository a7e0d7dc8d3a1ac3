import type { DeviceBackend } from '../device/open-device.js';
import { parseByteSize } from '../byte-size.js';
import { ParamflowError, UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import type { FilePlan } from '../sinks/file-plan.js';
import { DEFAULT_OUTPUT_FORMAT, droppedMetadataNote, OUTPUT_FORMATS, planFile, type OutputFormatName } from '../sinks/output-formats.js';
import { defaultShardPrefix, type ShardPolicy } from '../sinks/shard-plan.js';
import { planShardSet, type ShardSetOptions } from '../sinks/shard-set-writer.js';
import type { OpenedSource } from '../sources/open.js';
import { describePath, type DocPath } from './load.js';
import type { JobSink } from './schema.js';

export type SinkKind = keyof JobSink;

export interface PlannedCommon {
  /** The job file's name for the sink. */
  kind: SinkKind;
  parameters: Parameter[];
  files: FilePlan[];
}

/**
 * A sink with its files planned, by how it is written: `file`, one file at
 * `target`; `directory`, a shard set written into a temporary directory
 * moved to `target` when complete; `tar`, files that are members of the tar
 * at `target`, written front to back; `device`, parameters loaded into a
 * device (no files). File and directory sinks share the job's one pass over
 * the inputs.
 */
/** Where a device sink loads, and how. */
export interface DeviceSinkSpec {
  backend: DeviceBackend;
  /** Keys to load first. */
  priority?: string | string[] | undefined;
  /** Read every parameter back and compare. */
  verify?: boolean | undefined;
}

export type PlannedSink =
  | (PlannedCommon & { writes: 'file'; target: string })
  | (PlannedCommon & { writes: 'directory'; target: string; force: boolean })
  | (PlannedCommon & { writes: 'tar'; target: string })
  | (PlannedCommon & { writes: 'device'; target: string; device: DeviceSinkSpec });

export function sinkKind(sink: JobSink): SinkKind {
  return Object.keys(sink)[0] as SinkKind;
}

/** The note a sink's planned files earn for the sources' metadata they leave out (IRPA without tensor metadata). */
export function droppedMetadataOf(sink: JobSink, sources: OpenedSource[]): string | undefined {
  const spec = sink.irpa ?? sink.safetensors ?? sink.gguf ?? sink.shards ?? sink.tar;
  if (!spec) return undefined;
  // A file sink's kind is its format; a set names its own.
  const set = sink.shards ?? sink.tar;
  const format = set ? (set.format ?? DEFAULT_OUTPUT_FORMAT) : (sinkKind(sink) as OutputFormatName);
  return droppedMetadataNote(format, { tensorMetadata: 'tensor-metadata' in spec ? spec['tensor-metadata'] : false }, sources, 'tensor-metadata: true');
}

/** Lays out a sink's files for its parameters: every check a writer makes happens here, before anything is written. */
export function planSink(
  sink: JobSink,
  parameters: Parameter[],
  sources: OpenedSource[],
  resolvePath: (path: string) => string,
  at: DocPath,
  locate: (at: DocPath) => string,
  warn: (message: string) => void,
): PlannedSink {
  const kind = sinkKind(sink);
  try {
    const file = sink.irpa ?? sink.safetensors ?? sink.gguf;
    if (file) {
      const path = resolvePath(file.path);
      const format = kind as keyof typeof OUTPUT_FORMATS;
      const options = { alignment: sink.irpa?.alignment, tensorMetadata: sink.irpa?.['tensor-metadata'], rawDtype: (sink.safetensors ?? sink.gguf)?.['raw-dtype'] };
      return { kind, writes: 'file', target: path, parameters, files: [planFile(format, path, parameters, sources, options).plan] };
    }
    if (sink.device) return { kind, writes: 'device', target: `${sink.device.backend} device`, device: sink.device, parameters, files: [] };
    if (sink.tar) {
      const t = sink.tar;
      const split = t['max-shard-size'] !== undefined || t['max-shard-params'] !== undefined || t.shards !== undefined;
      const options = setOptions(t, split ? shardPolicy(t) : { shards: 1 }, sources, warn);
      // Unsplit, the one member is PREFIX.EXT, a plain file rather than a set of one.
      const name = `${options.prefix}.${OUTPUT_FORMATS[options.format].extension}`;
      const files = split ? planShardSet('', parameters, options) : [OUTPUT_FORMATS[options.format].plan(name, parameters, options, options).plan];
      return { kind, writes: 'tar', target: resolvePath(t.path), parameters, files };
    }
    const shards = sink.shards!;
    const dir = resolvePath(shards.dir);
    const files = planShardSet(dir, parameters, setOptions(shards, shardPolicy(shards), sources, warn));
    return { kind, writes: 'directory', target: dir, force: shards.force ?? false, parameters, files };
  } catch (error) {
    if (!(error instanceof ParamflowError)) throw error;
    // A usage problem belongs to the job file; a data problem (a dtype a format cannot hold) to the data.
    if (error instanceof UsageError) throw new UsageError(`${locate([...at, kind])}: ${describePath([...at, kind])}: ${error.message}`);
    throw error;
  }
}

/** A shard set's options from a `shards` or `tar` sink, keeping the sources' file metadata. */
function setOptions(spec: Omit<NonNullable<JobSink['tar']>, 'path'>, policy: ShardPolicy, sources: OpenedSource[], warn: (message: string) => void): ShardSetOptions {
  const format = spec.format ?? DEFAULT_OUTPUT_FORMAT;
  const options = { rawDtype: spec['raw-dtype'], tensorMetadata: spec['tensor-metadata'] ?? false };
  return {
    format,
    policy,
    prefix: spec.prefix ?? defaultShardPrefix(format, sources.map((s) => s.path)),
    ...options,
    ...OUTPUT_FORMATS[format].carry(sources, options),
    warn,
  };
}

function shardPolicy(shards: Pick<NonNullable<JobSink['shards']>, 'max-shard-size' | 'max-shard-params' | 'shards'>): ShardPolicy {
  const size = shards['max-shard-size'];
  const given = [size, shards['max-shard-params'], shards.shards].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError('give one of max-shard-size, max-shard-params or shards');
  if (size !== undefined) return { maxShardBytes: typeof size === 'number' ? size : parseByteSize(size, `max-shard-size ${size}`) };
  if (shards['max-shard-params'] !== undefined) return { maxShardParams: shards['max-shard-params'] };
  return { shards: shards.shards! };
}
