import { dirname, isAbsolute, join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { parseByteSize } from '../byte-size.js';
import { UsageError } from '../errors.js';
import { checkSchedulerOptions, type LimitedOption, type SchedulerOptions } from '../scheduler/options.js';
import { declaredParameters } from '../sources/declared.js';
import type { ParameterFileRef } from '../sources/load-index.js';
import { executeJob, type ExecuteOptions, type JobResult } from './execute-job.js';
import type { JobSpec, SinkSpec, SourceSpec } from './job-spec.js';
import { JOB_SINKS } from './job-sinks.js';
import { describePath, type DocPath, type JobFile } from './load.js';
import type { Job, JobSink } from './schema.js';
import { transformsOperator } from './transforms.js';
import { Variables } from './variables.js';

export type { DeviceSinkResult, JobPlan, JobResult, SourceSummary } from './execute-job.js';

export interface RunOptions extends ExecuteOptions {
  /** `--set name=value` values. */
  sets?: Map<string, string>;
  env?: NodeJS.ProcessEnv;
  /** False: outputs are not flushed to disk (`--no-sync`; the job's `options: { sync: false }` says the same). */
  sync?: boolean;
}

/**
 * Runs a job file: its sources (globs expanded, paths relative to the job
 * file), transforms and sinks read into the engine's terms, every problem
 * named by its line and key, then run as any command's job is.
 */
export async function runJob(file: JobFile, options: RunOptions = {}): Promise<JobResult> {
  const { job, locate } = file;
  const warn = options.warn ?? (() => undefined);
  const variables = new Variables(file, options.sets ?? new Map(), options.env ?? process.env);
  const base = dirname(file.path);
  const resolvePath = (path: string) => (isAbsolute(path) ? path : join(base, path));

  const sources: SourceSpec[] = [];
  for (const [i, source] of variables.substitute(job.sources, ['sources']).entries()) {
    if (source.create) {
      const parameters = atPlace(['sources', i, 'create'], locate, () => declaredParameters({ data: list(source.create!.data), splat: list(source.create!.splat) }, source.scope ?? ''));
      sources.push({ kind: 'declared', name: `${file.path} sources[${i}]`, scope: source.scope ?? '', parameters });
    } else sources.push({ kind: 'files', refs: await sourceRefs(source, i, resolvePath, locate) });
  }
  const spec: JobSpec = {
    sources,
    // A device's priorities and read-back take parameters out of file order.
    rereadsInputs: job.sinks.some((s) => s.device !== undefined),
    complete(opened) {
      variables.learnMetadata(opened);
      const transforms = variables.substitute(job.transforms ?? [], ['transforms']);
      const sinks = variables.substitute(job.sinks, ['sinks']).map((sink, i) => sinkSpec(sink, i, file, resolvePath, warn));
      const scheduler = schedulerOptions(variables.substitute(job.options ?? {}, ['options']), locate);
      return { transforms: transformsOperator(transforms, ['transforms'], locate, warn), sinks, scheduler, sync: (options.sync ?? true) && (job.options?.sync ?? true), makeDirectories: true };
    },
  };
  return executeJob(spec, options);
}

/** A job file's sink in the engine's terms, worded by its place in the file. */
function sinkSpec(sink: JobSink, i: number, file: JobFile, resolvePath: (path: string) => string, warn: (message: string) => void): SinkSpec {
  const [kind, value] = Object.entries(sink)[0] as [keyof JobSink, NonNullable<JobSink[keyof JobSink]>];
  const at: DocPath = ['sinks', i, kind];
  const says = { name: `sinks[${i}]`, place: file.locate(['sinks', i]), rulesAt: `${file.locate(at)}: ${describePath(at)}`, tensorMetadata: 'tensor-metadata: true' };
  const read = JOB_SINKS[kind] as (v: typeof value, resolvePath: (path: string) => string) => Omit<SinkSpec, 'says' | 'transforms'>;
  const parsed = atPlace(at, file.locate, () => read(value, resolvePath));
  return { ...parsed, says, transforms: transformsOperator(value.transforms ?? [], [...at, 'transforms'], file.locate, warn) } as SinkSpec;
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
