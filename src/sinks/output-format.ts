import type { GgufKvInput } from '../formats/gguf/encode.js';
import type { Parameter } from '../model/parameter.js';
import type { OpenedSource } from '../sources/open.js';
import type { FilePlan } from './file-plan.js';

/** What a sink asks of a file's writer; each format reads the options it has. */
export interface FileOptions {
  /** safetensors and GGUF: the dtype of parameters that have none (IRPA inputs), written as 1-D tensors. */
  rawDtype?: string | undefined;
  /** IRPA: record each parameter's dtype and shape in its entry metadata, and keep the sources' file metadata. */
  tensorMetadata?: boolean | undefined;
  /** IRPA: where data is placed in storage (a power of two). */
  alignment?: number | undefined;
}

/**
 * The sources' file metadata in the form one format keeps it (GGUF
 * key/values, safetensors `__metadata__`, the IRPA metadata entry's blob):
 * made once per output, so a vocabulary is encoded once, not per file.
 */
export interface CarriedMetadata {
  kv?: GgufKvInput[];
  metadata?: Record<string, string> | undefined;
  fileMetadata?: Uint8Array | undefined;
}

/** Where a file sits in a set of `count` holding `parameters` in all. */
export interface SetPosition {
  index: number;
  count: number;
  parameters: number;
}

/** A planned file, with the parameters it will hold when the format can tell them without reading it back. */
export interface PlannedFile {
  plan: FilePlan;
  describe?: () => Parameter[];
}

/**
 * An output file format: how one file of it is planned, and what a set of
 * them looks like. One entry per format in OUTPUT_FORMATS; every list of
 * format names (flags, job schema, shard naming) comes from that table.
 */
export interface OutputFormat {
  /** The file extension: shard names and a set's default names end in it. */
  extension: string;
  /** What the format is, for help texts. */
  summary: string;
  /** A set's file-name prefix when none is given, where its ecosystem's loaders look for one name (safetensors' `model`). */
  setPrefix?: string;
  /** Splats are kept as splats, taking no bytes (IRPA); elsewhere they are written out. */
  keepsSplats?: boolean;
  /** The sources' metadata in this format's form; undefined fields are left out. */
  carry(sources: OpenedSource[], options: FileOptions): CarriedMetadata;
  /** Whether the sources' file metadata is left out with these options (a note then says so). */
  dropsMetadata?(options: FileOptions): boolean;
  /** Plans one file: alone, or as file `position` of a set. */
  plan(path: string, parameters: Parameter[], options: FileOptions, carried: CarriedMetadata, position?: SetPosition): PlannedFile;
  /** A set's own files beside its shards (safetensors' index), given each shard's name and parameters. */
  setIndex?(dir: string, prefix: string, shards: { name: string; parameters: Parameter[] }[]): FilePlan | undefined;
  /** A set of one file is that file under a plain name (`model.safetensors`), as the ecosystem saves it. */
  plainSetOfOne?: boolean;
}
