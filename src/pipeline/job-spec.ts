import type { OperatorFunction } from 'rxjs';
import type { DeviceBackend } from '../device/open-device.js';
import type { Parameter } from '../model/parameter.js';
import type { SchedulerOptions } from '../scheduler/options.js';
import type { FileOptions } from '../sinks/output-format.js';
import type { OutputFormatName } from '../sinks/output-formats.js';
import type { ShardPolicy } from '../sinks/shard-plan.js';
import type { OpenedSource } from '../sources/open.js';
import type { ParameterFileRef } from '../sources/load-index.js';

/**
 * A job as the engine runs it: every value parsed and checked, every path
 * resolved. A YAML job file becomes one (`runJob`), and so does each
 * command's flags (`convert` is a job of one file sink); the engine
 * (`executeJob`) does not know which.
 */
export interface JobSpec {
  /** In the order given: parameters keep it. */
  sources: SourceSpec[];
  /** The rest of the job, once the sources are open (a job file's variables may read their metadata). */
  complete(sources: OpenedSource[]): JobBody;
  /** Sinks read parameters out of file order or twice (a device's priorities, a read-back): standard input is kept whole. */
  rereadsInputs?: boolean;
}

/** Files to open (a scope each), or parameters declared as `paramflow create` takes them. */
export type SourceSpec = { kind: 'files'; refs: ParameterFileRef[] } | { kind: 'declared'; name: string; scope: string; parameters: Parameter[] };

export type Edits = OperatorFunction<Parameter, Parameter>;

export interface JobBody {
  /** Edits of every parameter, before each sink's own. */
  transforms?: Edits;
  sinks: SinkSpec[];
  scheduler: SchedulerOptions;
  /** False: outputs are not flushed to disk. */
  sync: boolean;
  /** Make outputs' missing parent directories (a job file may name build/ci/model.irpa); a command, like IREE's tools, wants them there. */
  makeDirectories?: boolean;
}

/** How messages name a sink: the wording of the place its rules were read (a job file's line, a command's flags). */
export interface SinkWording {
  /** `sinks[1]`, `--output`. */
  name: string;
  /** Put before a note about the sink (`job.yaml:12:5`). */
  place?: string;
  /** Put before a usage error its rules raise (`job.yaml:12:7: sinks[1].shards`). */
  rulesAt?: string;
  /** How to ask for IRPA tensor metadata there (`--tensor-metadata`). */
  tensorMetadata: string;
}

interface SinkCommon {
  says: SinkWording;
  /** Edits for this sink alone, after the job's. */
  transforms?: Edits;
}

/** One file of a format. */
export interface FileSinkSpec extends SinkCommon {
  kind: 'file';
  format: OutputFormatName;
  path: string;
  options: FileOptions;
}

/** What a shard set takes, in a directory or a tar. */
export interface SetSpec {
  format: OutputFormatName;
  /** File names are PREFIX-00001-of-0000N.EXT; the sources' name by default. */
  prefix?: string | undefined;
  options: FileOptions;
}

/** A shard set in a directory, which appears when complete. */
export interface ShardSetSinkSpec extends SinkCommon, SetSpec {
  kind: 'shards';
  dir: string;
  policy: ShardPolicy;
  /** Replace a non-empty directory. */
  force: boolean;
}

/** A shard set as members of a tar, or (no policy) one file PREFIX.EXT. */
export interface TarSinkSpec extends SinkCommon, SetSpec {
  kind: 'tar';
  path: string;
  policy?: ShardPolicy | undefined;
}

/** Parameters loaded into a device, after every file is in place. */
export interface DeviceSinkSpec extends SinkCommon {
  kind: 'device';
  backend: DeviceBackend;
  /** Keys to load first, in order. */
  priority: string[];
  /** Read every parameter back and compare. */
  verify: boolean;
  stagingBuffers?: number | undefined;
  chunkBytes?: number | undefined;
  /** Let the GPU driver's own messages through. */
  verbose?: boolean | undefined;
}

export type SinkSpec = FileSinkSpec | ShardSetSinkSpec | TarSinkSpec | DeviceSinkSpec;
