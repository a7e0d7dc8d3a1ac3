/**
 * paramflow as a library: serve parameters to a running program with fenced
 * gathers and scatters (ParameterProvider), open parameter files of any
 * supported format, edit the parameter stream, write IRPA, safetensors, GGUF,
 * shard sets and tars, load devices, and run jobs (from YAML, or built in
 * code), with every byte moved by the fence-aware I/O scheduler.
 *
 * What is here is the surface kept stable; the modules behind it (codecs,
 * file plans, the scheduler's copy jobs, standard input's spill) are not.
 */

// Errors: every failure is one of these, naming the file and byte offset.
export { DataError, FormatError, IoError, ParamflowError, UsageError } from './errors.js';

// Parameters and where their bytes are.
export type { ByteSource, ComputedStorage, FileSource, Parameter, Storage, TensorInfo } from './model/parameter.js';
export type { Kernel } from './kernels/kernel.js';
export type { KernelRecipe } from './kernels/recipes.js';
export { CAST_TARGETS, castKernel, type CastTarget } from './kernels/cast.js';
export { DEQUANTIZE_TARGETS, DEQUANTIZED_TYPES, dequantizeKernel, type DequantizeTarget } from './kernels/dequantize.js';
export { QUANTIZED_TYPES, quantizeKernel } from './kernels/quantize.js';
export { byteSwapKernel } from './kernels/byte-swap.js';
export type { ByteSwap } from './formats/byte-swap.js';
export { ParameterIndex } from './model/parameter-index.js';
export type { FileMetadata } from './formats/file-metadata.js';
export type { GgufKv } from './formats/gguf/decode.js';
export { GgufArray, type GgufScalar, type GgufValue } from './formats/gguf/value.js';
export { GgufValueType, type GgmlType } from './formats/gguf/types.js';

// Serving parameters to a running program.
export { ParameterProvider, type GatherSpan, type Ordering, type ParameterSpan, type ProviderOptions, type ScatterSpan } from './provider/parameter-provider.js';
export { Fence, fenced } from './scheduler/fence.js';

// Sources.
export { openSource, type OpenedSource } from './sources/open.js';
export { loadIndex, type LoadedIndex, type ParameterFileRef } from './sources/load-index.js';
export { detectFormat, type FormatName } from './sources/detect.js';
export { declaredParameters, type Declarations } from './sources/declared.js';

// Transforms: rxjs operators on the parameter stream.
export type { KeyPattern } from './transforms/key-pattern.js';
export { exclude } from './transforms/exclude.js';
export { include } from './transforms/include.js';
export { rename, parseRenameRule, type RenameRule } from './transforms/rename.js';
export { strip } from './transforms/strip.js';
export { splat, parseSplatRule, type SplatRule } from './transforms/splat.js';
export { realign, parseRealignRule, type RealignRule } from './transforms/realign.js';
export { flattenScopes } from './transforms/flatten-scopes.js';
export { compose } from './transforms/compose.js';
export { applyEdits } from './transforms/apply-edits.js';

// Sinks: files, sets, tars and devices.
export type { DurabilityOptions } from './io/outputs/atomic-output.js';
export type { ContainerWriteOptions } from './sinks/container-writer.js';
export { writeIrpa, type IrpaWriterOptions, type WrittenArchive } from './sinks/irpa-writer.js';
export { writeSafetensors, type SafetensorsWriterOptions } from './sinks/safetensors-writer.js';
export { writeGguf, type GgufWriterOptions } from './sinks/gguf-writer.js';
export type { GgufKvInput, GgufValueInput } from './formats/gguf/encode.js';
export { writeShardSet, type ShardFormat, type ShardSetOptions } from './sinks/shard-set-writer.js';
export type { ShardPolicy } from './sinks/shard-plan.js';
export type { CarriedMetadata, FileOptions } from './sinks/output-format.js';
export { OUTPUT_FORMAT_NAMES, type OutputFormatName } from './sinks/output-formats.js';
export { writeTarFile, writeTarStream } from './sinks/tar-writer.js';
export type { Device, DeviceBuffer } from './device/device.js';
export { HostBuffer, HostDevice } from './device/host-device.js';
export { openDevice, DEVICE_BACKENDS, type DeviceBackend, type OpenDeviceOptions } from './device/open-device.js';
export { DeviceLoad, residentKey, type DeviceLoadOptions, type DeviceLoadStats, type DevicePlacement } from './sinks/device-loader.js';
export { verifyResident } from './sinks/verify-resident.js';

// Jobs: a YAML file, or a spec built in code, run by one engine.
export { loadJob, parseJob, type DocPath, type JobFile } from './pipeline/load.js';
export type { Job } from './pipeline/schema.js';
export { runJob, type RunOptions } from './pipeline/run-job.js';
export { executeJob, planBytes, type DeviceSinkResult, type ExecuteOptions, type JobPlan, type JobResult, type ProgressListener, type SourceSummary } from './pipeline/execute-job.js';
export { jobEvents, type JobEvent } from './pipeline/job-events.js';
export type { DeviceSinkSpec, Edits, FileSinkSpec, JobBody, JobSpec, SetSpec, ShardSetSinkSpec, SinkSpec, SinkWording, SourceSpec, TarSinkSpec } from './pipeline/job-spec.js';
export type { DeviceOutcome, PlannedCommon, PlannedSink, SinkWriting } from './pipeline/planned-sink.js';
export type { FilePlan, PlannedEntry } from './sinks/file-plan.js';

// The I/O scheduler's public face.
export { IoScheduler, type CopyOptions, type OrderedOptions, type ProgressEvent, type SchedulerOptions, type WritableTarget } from './scheduler/io-scheduler.js';
export type { CopyPiece, PieceSource } from './scheduler/plan.js';
/** A command's or job's inputs: the files the scheduler reads through, standard input among them. */
export { FileCache } from './io/inputs/file-cache.js';
export type { ProgressState } from './scheduler/progress.js';
