import { UsageError } from '../errors.js';
import { withInputs, type FileCache } from '../io/inputs/file-cache.js';
import { outputIdentity } from '../io/outputs/output-target.js';
import { Publication } from '../io/outputs/publication.js';
import { ParameterIndex } from '../model/parameter-index.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ProgressState } from '../scheduler/progress.js';
import { writeFiles } from '../sinks/container-writer.js';
import type { FilePlan } from '../sinks/file-plan.js';
import { loadIndex } from '../sources/load-index.js';
import type { OpenedSource } from '../sources/open.js';
import { applyEdits } from '../transforms/apply-edits.js';
import { flattenScopes } from '../transforms/flatten-scopes.js';
import { append } from '../append.js';
import type { JobSpec, SinkSpec } from './job-spec.js';
import type { DeviceOutcome, PlannedSink, SinkWriting } from './planned-sink.js';
import { droppedMetadataOf, keepsScopes, planSink } from './sink-kinds.js';

export type ProgressListener = (state: ProgressState) => void;

export interface ExecuteOptions {
  /** Plan only: open the sources, lay out every output, write nothing. */
  dryRun?: boolean;
  warn?: (message: string) => void;
  note?: (message: string) => void;
  /** Hears running totals across every sink, in the order they write. */
  onProgress?: ProgressListener;
  /**
   * Called once the plan is known, before any byte moves (to size a
   * progress bar); a listener it gives back hears the progress in place of
   * `onProgress`. With neither, the writers need not track progress.
   */
  onPlan?: (plan: JobPlan) => ProgressListener | undefined | void | Promise<ProgressListener | undefined | void>;
  /** Called once every output file, set and tar is in place, with their paths. */
  onPublished?: (targets: string[]) => void;
  /** Hears each device parameter (`SCOPE::KEY`) as it becomes resident, with its sink's place in the list. */
  onResident?: (key: string, sink: number) => void;
  /** Stops the job: no write starts once it is aborted, what was being written is thrown away, and the job fails with its reason. */
  signal?: AbortSignal;
}

/** What a source gave: a file read, or parameters declared. */
export interface SourceSummary {
  name: string;
  format: string;
  parameters: number;
}

export interface JobPlan {
  sources: SourceSummary[];
  sinks: PlannedSink[];
  scheduler: IoScheduler;
}

export interface DeviceSinkResult extends DeviceOutcome {
  /** The sink's place in the job's list. */
  sink: number;
}

export interface JobResult extends JobPlan {
  /** Bytes read from the sources by the file sinks: each needed range once, however many sinks use it. */
  bytesRead: number;
  /** Payload bytes written, all file sinks together. */
  bytesWritten: number;
  devices: DeviceSinkResult[];
}

/** Payload bytes the plan moves, every sink together: what a progress bar counts to. */
export const planBytes = (plan: JobPlan): number => plan.sinks.reduce((n, s) => n + s.bytes, 0);

/**
 * Runs a job: opens its sources, applies the job's edits, then each sink's
 * own, lays out every output, and writes them: files and shard sets in one
 * pass over the inputs, each tar in a pass of its own, then devices. Every
 * output appears only once all are complete.
 */
export function executeJob(job: JobSpec, options: ExecuteOptions = {}): Promise<JobResult> {
  // The job's own inputs: two jobs in one process never share standard input's state.
  return withInputs((inputs) => execute(job, options, inputs));
}

async function execute(job: JobSpec, options: ExecuteOptions, inputs: FileCache): Promise<JobResult> {
  const warn = options.warn ?? (() => undefined);
  if (job.rereadsInputs) inputs.standardInput.keepWhole();
  const index = new ParameterIndex();
  const sources: OpenedSource[] = [];
  const summaries: SourceSummary[] = [];
  for (const source of job.sources) {
    if (source.kind === 'declared') {
      index.addScope(source.scope);
      for (const p of source.parameters) index.add(p);
      summaries.push({ name: source.name, format: 'create', parameters: source.parameters.length });
      continue;
    }
    const opened = (await loadIndex(source.refs, options.note, index, inputs)).sources;
    append(sources, opened);
    append(summaries, opened.map((s) => ({ name: s.path, format: s.format, parameters: s.parameters.length })));
  }
  const body = job.complete(sources);
  const scheduler = new IoScheduler(body.scheduler);
  const jobEdits = body.transforms ? [body.transforms] : [];
  // One sink takes the job's edits and its own in one pass over the parameters (archives hold 100,000).
  const edited = body.sinks.length === 1 ? index.all() : await applyEdits(index.all(), ...jobEdits);
  const planned: PlannedSink[] = [];
  for (const spec of body.sinks) {
    // A file holds one scope: a sink's edits see the scopes, then they are flattened (a device keeps them, as SCOPE::KEY).
    const flatten = keepsScopes(spec) ? [] : [flattenScopes()];
    const parameters = await applyEdits(edited, ...(body.sinks.length === 1 ? jobEdits : []), ...(spec.transforms ? [spec.transforms] : []), ...flatten);
    planned.push(worded(spec, () => planSink(spec, parameters, sources, warn)));
    const dropped = droppedMetadataOf(spec, sources);
    if (dropped) options.note?.(spec.says.place ? `${spec.says.place}: ${dropped}` : dropped);
  }
  await refuseSharedTargets(planned);
  const plan = { sources: summaries, sinks: planned, scheduler };
  const listener = (await options.onPlan?.(plan)) ?? options.onProgress;
  if (options.dryRun) return { ...plan, bytesRead: 0, bytesWritten: 0, devices: [] };

  const progress = progressAcross(planned, listener);
  const publication = new Publication();
  const abort = options.signal;
  const writing = (sinks: PlannedSink[]): SinkWriting => ({ scheduler, inputs, sources, sync: body.sync, makeDirectories: body.makeDirectories ?? false, publication, warn, onProgress: progress.of(sinks), abort });
  let bytesWritten = 0;
  let ownBytes = 0;
  try {
    abort?.throwIfAborted();
    const passing = planned.filter((s) => s.phase === 'pass');
    bytesWritten = await sharedPass(passing, writing(passing));
    for (const sink of planned) if (sink.phase === 'own') ownBytes += await sink.write(writing([sink]));
    // The last moment to stop with nothing published.
    abort?.throwIfAborted();
  } catch (error) {
    await publication.discard();
    throw error;
  }
  await publication.publish();
  options.onPublished?.(planned.filter((s) => s.phase !== 'after').map((s) => s.target));
  const devices: DeviceSinkResult[] = [];
  for (const [i, sink] of planned.entries()) {
    if (sink.phase !== 'after') continue;
    const onResident = options.onResident && ((key: string) => options.onResident!(key, i));
    devices.push({ sink: i, ...(await sink.load({ ...writing([sink]), onResident })) });
  }
  return { ...plan, bytesRead: scheduler.bytesRead + ownBytes, bytesWritten: bytesWritten + ownBytes, devices };
}

/** Every pass sink's files, each entered in turn (a shard set's temporary directory made), then written in one pass over the inputs. */
function sharedPass(sinks: PlannedSink[], writing: SinkWriting): Promise<number> {
  const files: FilePlan[] = [];
  const enter = (i: number): Promise<number> => {
    if (i === sinks.length) return writeAll(files, writing);
    const sink = sinks[i]!;
    if (sink.phase !== 'pass') throw new Error(`sink ${sink.kind} does not write in the shared pass`);
    return sink.enter(writing, (own) => {
      append(files, own);
      return enter(i + 1);
    });
  };
  return enter(0);
}

function writeAll(files: FilePlan[], { scheduler, inputs, sync, publication, onProgress, abort }: SinkWriting): Promise<number> {
  return writeFiles(files, { scheduler, inputs, sync, publication, abort, ...(onProgress ? { onProgress } : {}) });
}

/**
 * One running total across the sinks' writes: each write reports its own
 * totals, so the bytes of sinks already written are added to them.
 */
function progressAcross(sinks: PlannedSink[], onProgress: ProgressListener | undefined) {
  const bytesTotal = sinks.reduce((n, s) => n + s.bytes, 0);
  const parametersTotal = sinks.reduce((n, s) => n + s.parameters.length, 0);
  let bytesBefore = 0;
  let parametersBefore = 0;
  return {
    /** The progress of a write of `those` sinks, after every sink asked for before. */
    of(those: PlannedSink[]): ProgressListener | undefined {
      if (!onProgress) return undefined;
      const base = { bytes: bytesBefore, parameters: parametersBefore };
      bytesBefore += those.reduce((n, s) => n + s.bytes, 0);
      parametersBefore += those.reduce((n, s) => n + s.parameters.length, 0);
      return (state) => onProgress({ bytesDone: base.bytes + state.bytesDone, bytesTotal, parametersDone: base.parameters + state.parametersDone, parametersTotal });
    },
  };
}

/** Runs `fn`, putting the sink's place before a usage error its rules raise; a data problem (a dtype a format cannot hold) belongs to the data. */
function worded<T>(spec: SinkSpec, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError && spec.says.rulesAt) throw new UsageError(`${spec.says.rulesAt}: ${error.message}`);
    throw error;
  }
}

/** Two sinks writing one path would overwrite each other. Paths are compared as the files they reach, through links. */
async function refuseSharedTargets(sinks: PlannedSink[]): Promise<void> {
  const seen = new Map<string, PlannedSink>();
  for (const sink of sinks) {
    for (const path of new Set(await Promise.all(sink.outputs.map(outputIdentity)))) {
      const other = seen.get(path);
      if (other !== undefined && other !== sink) throw new UsageError(`${sink.says.place ? `${sink.says.place}: ` : ''}${sink.says.name} writes ${path}, as ${other.says.name} does`);
      seen.set(path, sink);
    }
  }
}
