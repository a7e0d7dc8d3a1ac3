import type { FileCache } from '../io/inputs/file-cache.js';
import type { Publication } from '../io/outputs/publication.js';
import type { Parameter } from '../model/parameter.js';
import type { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ProgressState } from '../scheduler/progress.js';
import type { DeviceLoadStats } from '../sinks/device-loader.js';
import type { FilePlan } from '../sinks/file-plan.js';
import type { OpenedSource } from '../sources/open.js';
import type { SinkSpec, SinkWording } from './job-spec.js';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a sink is given to write with: the job's scheduler, inputs and publication. */
export interface SinkWriting {
  scheduler: IoScheduler;
  inputs: FileCache;
  sources: OpenedSource[];
  sync: boolean;
  /** Make the outputs' missing parent directories. */
  makeDirectories: boolean;
  /** Every file, set and tar is flushed under a temporary name, then all are moved into place together. */
  publication: Publication;
  warn: (message: string) => void;
  onProgress?: ((state: ProgressState) => void) | undefined;
  /** Stops the job: writes fail with its reason, and nothing appears. */
  abort?: AbortSignal | undefined;
  /** Hears each device parameter's key (`SCOPE::KEY`) as it becomes resident. */
  onResident?: ((key: string) => void) | undefined;
}

/** What a device sink reports once its parameters are resident. */
export interface DeviceOutcome {
  stats: DeviceLoadStats;
  /** The adapter, in the device's words. */
  adapter: string;
  deviceBuffers: number;
  /** Parameters read back and checked, when the sink asks to verify. */
  verified?: number;
}

export interface PlannedCommon {
  /** The job file's name for the sink (a file sink's is its format). */
  kind: string;
  /** The file, directory or tar written, or the device loaded. */
  target: string;
  parameters: Parameter[];
  files: FilePlan[];
  /** Paths written, compared with every other sink's: two sinks must not write one file. */
  outputs: string[];
  /** Payload bytes it moves, for progress. */
  bytes: number;
  says: SinkWording;
}

/**
 * A sink with its files laid out, and how it writes them. `pass` sinks share
 * the job's one pass over the inputs (a byte several need is read once):
 * each hands its files on, from inside whatever must surround the pass (a
 * shard set's temporary directory). `own` sinks write front to back in a
 * pass of their own (a tar). `after` sinks load a device once every file is
 * in place.
 */
export type PlannedSink = PlannedCommon &
  (
    | { phase: 'pass'; enter(writing: SinkWriting, pass: (files: FilePlan[]) => Promise<number>): Promise<number>; describe?: (() => Parameter[]) | undefined }
    | { phase: 'own'; write(writing: SinkWriting): Promise<number> }
    | { phase: 'after'; load(writing: SinkWriting): Promise<DeviceOutcome> }
  );

/** One kind of sink: how it is laid out for its parameters. One entry per kind in SINKS. */
export interface SinkKind<S extends SinkSpec> {
  /** Every check a writer makes happens here, before anything is written. */
  plan(spec: S, parameters: Parameter[], sources: OpenedSource[], warn: (message: string) => void): PlannedSink;
  /** Its parameters keep their scopes (a device holds SCOPE::KEY); a file's are flattened into its one scope. */
  keepsScopes?: boolean;
  /** A note on the sources' metadata its files leave out (IRPA without tensor metadata). */
  dropped?(spec: S, sources: OpenedSource[]): string | undefined;
}

/** Makes the directory `path` goes in, where the job asks for it. */
export async function makeParent(path: string, writing: SinkWriting): Promise<void> {
  if (writing.makeDirectories) await mkdir(dirname(path), { recursive: true });
}
