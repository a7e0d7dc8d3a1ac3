/**
 * paramflow as a library: serve parameters to a running program with fenced
 * gathers and scatters (ParameterProvider), open parameter files of any
 * supported format, edit the parameter stream, write IRPA, safetensors, GGUF
 * or shard sets, and run job files, with every byte moved by the fence-aware
 * I/O scheduler.
 */
export { ParameterProvider, type GatherSpan, type Ordering, type ParameterSpan, type ProviderOptions, type ScatterSpan } from './provider/parameter-provider.js';
export { DataError, FormatError, IoError, ParamflowError, UsageError } from './errors.js';
export type { ByteSource, Parameter, Storage, TensorInfo } from './model/parameter.js';
export { ParameterIndex } from './model/parameter-index.js';
export { openSource, type OpenedSource } from './sources/open.js';
export { loadIndex, type LoadedIndex, type ParameterFileRef } from './sources/load-index.js';
export { detectFormat, type FormatName } from './sources/detect.js';
export { exclude } from './transforms/exclude.js';
export { include } from './transforms/include.js';
export { rename, parseRenameRule } from './transforms/rename.js';
export { strip } from './transforms/strip.js';
export { splat, parseSplatRule } from './transforms/splat.js';
export { realign, parseRealignRule } from './transforms/realign.js';
export { flattenScopes } from './transforms/flatten-scopes.js';
export { compose } from './transforms/compose.js';
export { writeIrpa, type IrpaWriterOptions } from './sinks/irpa-writer.js';
export { writeSafetensors, type SafetensorsWriterOptions } from './sinks/safetensors-writer.js';
export { writeGguf, type GgufWriterOptions } from './sinks/gguf-writer.js';
export { writeShardSet, planShardSet, type ShardSetOptions } from './sinks/shard-set-writer.js';
export { planIrpaFile } from './sinks/irpa-writer.js';
export { planSafetensorsFile } from './sinks/safetensors-writer.js';
export { planGgufFile } from './sinks/gguf-writer.js';
export { writeFiles, type ContainerWriteOptions } from './sinks/container-writer.js';
export type { FilePlan } from './sinks/file-plan.js';
export { declaredParameters, type Declarations } from './sources/declared.js';
export { loadJob, parseJob, type JobFile } from './pipeline/load.js';
export { runJob, type JobPlan, type JobResult, type RunOptions } from './pipeline/run-job.js';
export { jobSchema, type Job } from './pipeline/schema.js';
export { IoScheduler, type SchedulerOptions } from './scheduler/io-scheduler.js';
export { Fence, fenced } from './scheduler/fence.js';
export { TimelineSemaphore } from './scheduler/semaphore.js';
export { trackProgress, type ProgressState } from './scheduler/progress.js';
