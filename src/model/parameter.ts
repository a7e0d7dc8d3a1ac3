import { DataError } from '../errors.js';
import type { Kernel } from '../kernels/kernel.js';

/**
 * Where a parameter's bytes come from. `file` is a byte range of a file on
 * disk; `fill` is generated content (a pattern repeated to the length; all
 * zero means a zeroed parameter).
 */
export type ByteSource = FileSource | { kind: 'fill'; pattern: Uint8Array };
export type FileSource = { kind: 'file'; path: string; offset: number };

/** How a parameter is stored. */
export type Storage =
  | { kind: 'data'; source: ByteSource }
  | { kind: 'splat'; pattern: Uint8Array }
  | {
      kind: 'external';
      path: string;
      offset: number;
      /** The path as the archive gives it, when it points outside the archive's directory: never read. */
      refused?: string;
    }
  | ComputedStorage;

/**
 * Bytes computed on the way by a kernel from `sourceLength` bytes of a file
 * range (a byte swap, a cast, a quantizer): the parameter's length is the
 * kernel's output, which may differ from what it reads.
 */
export interface ComputedStorage {
  kind: 'computed';
  kernel: Kernel;
  source: FileSource;
  sourceLength: number;
}

/** Tensor facts a source knows, kept for writers that need them (safetensors, GGUF). */
export interface TensorInfo {
  /** The source format's type name: a safetensors dtype (`F32`, `BF16`) or a ggml type (`Q4_K`). */
  dtype: string;
  /** Row-major shape, outermost dimension first. */
  shape: number[];
  /** The ggml type id, for GGUF sources. */
  ggmlType?: number;
  /** The payload is stored big-endian (a big-endian GGUF file); outputs swap it. */
  bigEndian?: boolean;
  /** What the source held, when a transform changes the bytes (a cast, a quantize): shown by a dry run. */
  was?: { dtype: string; shape: number[] };
}

export interface Parameter {
  /** Namespace; '' is the global scope. */
  scope: string;
  key: string;
  length: number;
  metadata?: Uint8Array | undefined;
  storage: Storage;
  /** Minimum alignment the source records for the data (0 when unspecified). */
  alignment: number;
  tensor?: TensorInfo;
  /** Where a writer must place the data: a power-of-two alignment (set by realign). */
  placement?: number;
  /** The key in the source, when a rename changed it. */
  originalKey?: string;
  /** The file this parameter was read from, for messages. */
  origin: string;
}

/** Where a parameter's bytes are, when they are in a file: for describing them, never refused. */
export function storedRange(p: Parameter): FileSource | undefined {
  if (p.storage.kind === 'data' && p.storage.source.kind === 'file') return p.storage.source;
  if (p.storage.kind === 'computed') return p.storage.source;
  if (p.storage.kind === 'external') return { kind: 'file', path: p.storage.path, offset: p.storage.offset };
  return undefined;
}

/** The file and absolute offset to read a parameter's bytes (or, for computed ones, its kernel's input) from, when they are in a file. */
export function fileRange(p: Parameter): FileSource | undefined {
  if (p.storage.kind === 'external') {
    if (p.storage.refused !== undefined) {
      throw new DataError(`parameter '${p.key}' of ${p.origin} is stored in '${p.storage.refused}', outside the archive's directory; paramflow reads only files in or below it`);
    }
  }
  return storedRange(p);
}

/** A pattern repeated to fill a parameter (a splat, or generated contents). */
export function fillPattern(p: Parameter): Uint8Array | undefined {
  if (p.storage.kind === 'splat') return p.storage.pattern;
  if (p.storage.kind === 'data' && p.storage.source.kind === 'fill') return p.storage.source.pattern;
  return undefined;
}
