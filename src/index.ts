/**
 * paramflow as a library: serve parameters to a running program with fenced
 * gathers and scatters (ParameterProvider), open parameter files of any
 * supported format, edit the parameter stream, write IRPA, safetensors, GGUF
 * or shard sets, and run job files, with every byte moved by the fence-aware
 * I/O scheduler.
 */
export { ParameterProvider, type GatherSpan, type Ordering, type ParameterSpan, type ProviderOptions, type ScatterSpan } from './provider/parameter-provider.js';
export { DataError, FormatError, IoError, ParamflowError, UsageError } from './errors.js';
export type { ByteSource, ComputedStorage, FileSource, Parameter, Storage, TensorInfo } from './model/parameter.js';
export { compute, inputBytes, outputBytes, type Kernel } from './kernels/kernel.js';
export { byteSwapKernel } from './kernels/byte-swap.js';
export { littleEndian } from './model/byte-order.js';
export { ParameterIndex } from './model/parameter-index.js';
export { openSource, type OpenedSource } from './sources/open.js';
export type { GgufHeader, GgufKv, GgufTensorInfo } from './formats/gguf/decode.js';
export { GgufArray, type GgufScalar, type GgufValue } from './formats/gguf/value.js';
export { GgufValueType, type GgmlType } from './formats/gguf/types.js';
export type { ArchiveLayout } from './formats/irpa/layout.js';
export type { DataEntry, EntryRefs, ExternalEntry, IrpaEntry, SkipEntry, SplatEntry } from './formats/irpa/entries.js';
export type { IrpaHeader, Range } from './formats/irpa/header.js';
export { EntryType } from './formats/irpa/constants.js';
export type { KeyPattern } from './transforms/key-pattern.js';
export { RandomAccessFile } from './io/random-access-file.js';
export type { ReadableFile } from './io/readable-file.js';
export type { DurabilityOptions } from './io/atomic-output.js';
export type { FileMetadata } from './formats/file-metadata.js';
export type { ByteSwap } from './formats/byte-swap.js';
export type { GgufKvInput, GgufValueInput } from './formats/gguf/encode.js';
export { loadIndex, type LoadedIndex, type ParameterFileRef } from './sources/load-index.js';
export { detectFormat, type FormatName } from './sources/detect.js';
export { exclude } from './transforms/exclude.js';
export { include } from './transforms/include.js';
export { rename, parseRenameRule, type RenameRule } from './transforms/rename.js';
export { strip } from './transforms/strip.js';
export { splat, parseSplatRule, type SplatRule } from './transforms/splat.js';
export { realign, parseRealignRule, type RealignRule } from './transforms/realign.js';
export { flattenScopes } from './transforms/flatten-scopes.js';
export { compose } from './transforms/compose.js';
export { applyEdits } from './transforms/apply-edits.js';
export { writeIrpa, type IrpaWriterOptions, type PlannedArchive, type WrittenArchive } from './sinks/irpa-writer.js';
export { writeSafetensors, type SafetensorsWriterOptions } from './sinks/safetensors-writer.js';
export { writeGguf, type GgufWriterOptions } from './sinks/gguf-writer.js';
export { writeShardSet, planShardSet, type ShardFormat, type ShardSetOptions } from './sinks/shard-set-writer.js';
export type { ShardPolicy } from './sinks/shard-plan.js';
export { planIrpaFile } from './sinks/irpa-writer.js';
export { planSafetensorsFile } from './sinks/safetensors-writer.js';
export { planGgufFile } from './sinks/gguf-writer.js';
export { writeFiles, type ContainerWriteOptions } from './sinks/container-writer.js';
export type { FilePlan, PlannedEntry } from './sinks/file-plan.js';
export { OUTPUT_FORMATS, OUTPUT_FORMAT_NAMES, planFile, type OutputFormatName } from './sinks/output-formats.js';
export type { CarriedMetadata, FileOptions, OutputFormat, PlannedFile, SetPosition } from './sinks/output-format.js';
export { declaredParameters, type Declarations } from './sources/declared.js';
export { loadJob, parseJob, type DocPath, type JobFile } from './pipeline/load.js';
export { runJob, type DeviceSinkResult, type JobPlan, type JobResult, type RunOptions, type SourceSummary } from './pipeline/run-job.js';
export type { Device, DeviceBuffer } from './device/device.js';
export { HostBuffer, HostDevice } from './device/host-device.js';
export { openDevice, DEVICE_BACKENDS, type DeviceBackend, type OpenDeviceOptions } from './device/open-device.js';
export { verifyResident } from './sinks/verify-resident.js';
export { DeviceLoad, residentKey, type DeviceLoadOptions, type DeviceLoadStats, type DevicePlacement } from './sinks/device-loader.js';
export { writeTarFile, writeTarStream } from './sinks/tar-writer.js';
export type { DeviceSinkSpec, PlannedCommon, PlannedSink } from './pipeline/sinks.js';
export { jobSchema, type Job } from './pipeline/schema.js';
export { IoScheduler, type CopyOptions, type OrderedOptions, type ProgressEvent, type SchedulerOptions, type WritableTarget } from './scheduler/io-scheduler.js';
export type { ByteBudget } from './scheduler/byte-budget.js';
export type { CopyPiece, PieceSource } from './scheduler/plan.js';
export { FileCache, withInputs } from './io/file-cache.js';
export { StandardInput, STANDARD_INPUT } from './io/standard-input.js';
export { Publication } from './io/publication.js';
export { Fence, fenced } from './scheduler/fence.js';
export { TimelineSemaphore } from './scheduler/semaphore.js';
export { trackProgress, type ProgressState } from './scheduler/progress.js';
