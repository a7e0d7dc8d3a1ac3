import { withInputs, type FileCache } from '../io/file-cache.js';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { parseByteSize } from '../byte-size.js';
import { loadIndex, type ParameterFileRef } from '../sources/load-index.js';
import { openDevice } from '../device/open-device.js';
import { UsageError } from '../errors.js';
import { writeDirectoryAtomically, type DirectoryOptions } from '../io/atomic-directory.js';
import { outputIdentity } from '../io/output-target.js';
import { Publication } from '../io/publication.js';
import { ParameterIndex } from '../model/parameter-index.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { checkSchedulerOptions, type LimitedOption, type SchedulerOptions } from '../scheduler/options.js';
import type { ProgressState } from '../scheduler/progress.js';
import { writeFiles } from '../sinks/container-writer.js';
import { DeviceLoad, type DeviceLoadStats } from '../sinks/device-loader.js';
import { verifyResident } from '../sinks/verify-resident.js';
import { writeTarFile } from '../sinks/tar-writer.js';
import type { FilePlan } from '../sinks/file-plan.js';
import { declaredParameters } from '../sources/declared.js';
import { inputFiles, type OpenedSource } from '../sources/open.js';
import { applyEdits } from '../transforms/apply-edits.js';
import { flattenScopes } from '../transforms/flatten-scopes.js';
import { describePath, type DocPath, type JobFile } from './load.js';
import type { Job } from './schema.js';
import { droppedMetadataOf, planSink, type PlannedSink } from './sinks.js';
import { transformsOperator } from './transforms.js';
import { Variables } from './variables.js';
import { append } from '../append.js';

export interface RunOptions {
  /** `--set name=value` values. */
  sets?: Map<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Plan only: open the sources, lay out every output, write nothing. */
  dryRun?: boolean;
  warn?: (message: string) => void;
  note?: (message: string) => void;
  onProgress?: (state: ProgressState) => void;
  /** Called once the plan is known, before any byte moves (to size a progress bar). */
  onPlan?: (plan: JobPlan) => void | Promise<void>;
  /** False: outputs are not flushed to disk (`--no-sync`; the job's `options: { sync: false }` says the same). */
  sync?: boolean;
}

/** What a source gave: a file read, or the parameters a `create` source declared. */
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

export interface DeviceSinkResult {
  sink: number;
  stats: DeviceLoadStats;
  /** Parameters read back and checked, when the sink asks to verify. */
  verified?: number;
}

export interface JobResult extends JobPlan {
  /** Bytes read from the sources by the file sinks: each needed range once, however many sinks use it. */
  bytesRead: number;
  /** Payload bytes written, all file sinks together. */
  bytesWritten: number;
  devices: DeviceSinkResult[];
}

/**
 * Runs a job: opens its sources (globs expanded, paths relative to the job
 * file), applies the job's transforms, then each sink's own, lays out every
 * output, and writes them all in one pass over the inputs. Every output
 * appears only once all are complete.
 */
export function runJob(file: JobFile, options: RunOptions = {}): Promise<JobResult> {
  // The job's own inputs: two jobs in one process never share standard input's state.
  return withInputs((inputs) => run(file, options, inputs));
}

async function run(file: JobFile, options: RunOptions, inputs: FileCache): Promise<JobResult> {
  const { job, locate } = file;
  const warn = options.warn ?? (() => undefined);
  const variables = new Variables(file, options.sets ?? new Map(), options.env ?? process.env);
  const base = dirname(file.path);
  const resolvePath = (path: string) => (isAbsolute(path) ? path : join(base, path));

  const jobSources = variables.substitute(job.sources, ['sources']);
  // In the order written, so parameters keep the job's source order.
  const index = new ParameterIndex();
  const sources: OpenedSource[] = [];
  const summaries: SourceSummary[] = [];
  for (const [i, source] of jobSources.entries()) {
    if (source.create) {
      const declared = atPlace(['sources', i, 'create'], locate, () => declaredParameters({ data: list(source.create!.data), splat: list(source.create!.splat) }, source.scope ?? ''));
      index.addScope(source.scope ?? '');
      for (const p of declared) index.add(p);
      summaries.push({ name: `${file.path} sources[${i}]`, format: 'create', parameters: declared.length });
      continue;
    }
    const opened = (await loadIndex(await sourceRefs(source, i, resolvePath, locate), options.note, index, inputs)).sources;
    append(sources, opened);
    append(summaries, opened.map((s) => ({ name: s.path, format: s.format, parameters: s.parameters.length })));
  }
  variables.learnMetadata(sources);
  const transforms = variables.substitute(job.transforms ?? [], ['transforms']);
  const sinks = variables.substitute(job.sinks, ['sinks']);
  const scheduler = new IoScheduler(schedulerOptions(variables.substitute(job.options ?? {}, ['options']), locate));

  const edited = await applyEdits(index.all(), transformsOperator(transforms, ['transforms'], locate, warn));
  const planned: PlannedSink[] = [];
  for (const [i, sink] of sinks.entries()) {
    const own = Object.values(sink)[0]!.transforms ?? [];
    const at: DocPath = ['sinks', i, Object.keys(sink)[0]!];
    const parameters = await applyEdits(edited, transformsOperator(own, [...at, 'transforms'], locate, warn), flattenScopes());
    planned.push(planSink(sink, parameters, sources, resolvePath, ['sinks', i], locate, warn));
    const dropped = droppedMetadataOf(sink, sources);
    if (dropped) options.note?.(`${locate(['sinks', i])}: ${dropped}`);
  }
  await refuseSharedTargets(planned, locate);
  const plan = { sources: summaries, sinks: planned, scheduler };
  await options.onPlan?.(plan);
  if (options.dryRun) return { ...plan, bytesRead: 0, bytesWritten: 0, devices: [] };

  // File and directory sinks are written in one pass over the inputs; a tar, front to back, in a pass of its own; a device after every file is in place.
  const onePass = planned.filter((s) => s.writes === 'file' || s.writes === 'directory');
  // Outputs may name directories that do not exist yet (build/ci/model.irpa).
  for (const sink of planned) if (sink.writes !== 'device') await mkdir(dirname(sink.target), { recursive: true });
  const sync = (options.sync ?? true) && (job.options?.sync ?? true);
  // Every file, set and tar is flushed under a temporary name first; then all are moved into place.
  const publication = new Publication();
  let bytesWritten = 0;
  let tarBytes = 0;
  try {
    bytesWritten = await inDirectories(onePass, { sync, inputs: inputFiles(sources), publication }, (files) =>
      writeFiles(files, { scheduler, inputs, sync, publication, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }),
    );
    // A tar is written front to back, so its sinks take a pass of their own, reading every byte they hold.
    for (const sink of planned) if (sink.writes === 'tar') tarBytes += await writeTarFile(sink.target, sink.files, { sync, publication, inputs });
  } catch (error) {
    await publication.discard();
    throw error;
  }
  await publication.publish();
  const devices: DeviceSinkResult[] = [];
  for (const [i, sink] of planned.entries()) if (sink.writes === 'device') devices.push({ sink: i, ...(await loadDeviceSink(sink, scheduler, inputs, warn)) });
  return { ...plan, bytesRead: scheduler.bytesRead + tarBytes, bytesWritten: bytesWritten + tarBytes, devices };
}

/** Loads a device sink's parameters, checks them if asked, and lets the device go. */
async function loadDeviceSink(sink: PlannedSink & { writes: 'device' }, scheduler: IoScheduler, inputs: FileCache, warn: (message: string) => void): Promise<Omit<DeviceSinkResult, 'sink'>> {
  const { backend, priority, verify } = sink.device;
  const device = await openDevice(backend);
  try {
    const load = new DeviceLoad(sink.parameters, device, { scheduler, inputs, priority: priority === undefined ? [] : Array.isArray(priority) ? priority : [priority], warn });
    const stats = await load.done;
    return { stats, ...(verify ? { verified: await verifyResident(load, inputs) } : {}) };
  } finally {
    device.destroy();
  }
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Runs `fn`, placing a usage error it raises at `at` in the job file. */
function atPlace<T>(at: DocPath, locate: (at: DocPath) => string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${locate(at)}: ${describePath(at)}: ${error.message}`);
    throw error;
  }
}

/** A file source as files: a glob must match at least one. */
async function sourceRefs(source: Job['sources'][number], i: number, resolvePath: (path: string) => string, locate: (at: DocPath) => string): Promise<ParameterFileRef[]> {
  const path = resolvePath(source.path!);
  const paths = isDynamicPattern(path) ? (await glob(path, { absolute: false, onlyFiles: true, expandDirectories: false })).sort() : [path];
  if (paths.length === 0) throw new UsageError(`${locate(['sources', i, 'path'])}: ${describePath(['sources', i, 'path'])}: '${source.path}' matches no file`);
  return paths.map((p) => ({ path: p, scope: source.scope ?? '', format: source.format }));
}

/** The job's `options` key for each scheduler option. */
const OPTION_KEYS: Record<LimitedOption, 'budget' | 'chunk' | 'concurrency'> = { budgetBytes: 'budget', chunkBytes: 'chunk', concurrency: 'concurrency' };

/** The job's scheduler options, checked against the scheduler's limits and named by line and key. */
function schedulerOptions(options: NonNullable<Job['options']>, locate: (at: DocPath) => string): SchedulerOptions {
  const asked = (key: string) => `${locate(['options', key])}: options.${key}`;
  const bytes = (key: 'budget' | 'chunk') => {
    const value = options[key];
    return value === undefined || typeof value === 'number' ? value : parseByteSize(value, `${asked(key)}: ${value}`);
  };
  const checked = { budgetBytes: bytes('budget'), chunkBytes: bytes('chunk'), concurrency: options.concurrency };
  return { ...checkSchedulerOptions(checked, (option, value) => `${asked(OPTION_KEYS[option])} ${options[OPTION_KEYS[option]] ?? value}`), kernelCopy: options['kernel-copy'] };
}

/** Two sinks writing one path would overwrite each other. */
async function refuseSharedTargets(sinks: PlannedSink[], locate: (at: DocPath) => string): Promise<void> {
  const seen = new Map<string, number>();
  for (const [i, sink] of sinks.entries()) {
    if (sink.writes === 'device') continue;
    // A tar's files are member names, not paths. Paths are compared as the files they reach, through links.
    const paths = await Promise.all([sink.target, ...(sink.writes === 'tar' ? [] : sink.files.map((f) => f.path))].map(outputIdentity));
    for (const path of new Set(paths)) {
      const other = seen.get(path);
      if (other !== undefined && other !== i) throw new UsageError(`${locate(['sinks', i])}: sinks[${i}] writes ${path}, as sinks[${other}] does`);
      seen.set(path, i);
    }
  }
}

/**
 * Writes every sink's files together; a shard set's go into a temporary
 * directory moved into place once all are complete.
 */
async function inDirectories(sinks: PlannedSink[], options: DirectoryOptions, write: (files: FilePlan[]) => Promise<number>): Promise<number> {
  const files: FilePlan[] = [];
  const enter = async (i: number): Promise<number> => {
    if (i === sinks.length) return write(files);
    const sink = sinks[i]!;
    if (sink.writes !== 'directory') {
      append(files, sink.files);
      return enter(i + 1);
    }
    return writeDirectoryAtomically(
      sink.target,
      sink.force,
      async (temp) => {
        append(files, sink.files.map((f) => ({ ...f, path: join(temp, basename(f.path)) })));
        return enter(i + 1);
      },
      options,
    );
  };
  return enter(0);
}
