import { inputBytes, unitsWithin, type Kernel } from '../kernels/kernel.js';
import { append } from '../append.js';

/**
 * Plans byte copies into one or more target files as a few large jobs,
 * ordered by where the bytes come from, so a source range that several
 * targets need (a fan-out: a full copy, a stripped copy, a shard set) is
 * read once and written to each. Big file-to-file ranges with one
 * destination can become kernel copies; file ranges near each other in a
 * source share one read of at most `chunkBytes`; fills are packed into
 * target windows. A computed range (a kernel makes the bytes written from
 * the bytes read: a byte swap, a cast) is read in jobs of its own, cut on
 * the kernel's units, and never copied by the operating system's kernel.
 * Pure: no I/O.
 */

export type PieceSource =
  | { kind: 'file'; path: string; offset: number }
  | { kind: 'fill'; pattern: Uint8Array }
  /** The piece's bytes are `kernel`'s output for the source bytes from `offset` (the piece's length is output bytes). */
  | { kind: 'computed'; path: string; offset: number; kernel: Kernel };

export interface CopyPiece {
  /** Absolute offset in the target. */
  target: number;
  length: number;
  source: PieceSource;
  /** Caller's label (e.g. the parameter's index), carried for progress. */
  tag?: number;
}

/** Where part of a read lands: `length` bytes from `from` in the read, to `target` in target file `file`. */
export interface Placement {
  file: number;
  target: number;
  from: number;
  length: number;
  /** Where the piece before this one in its target ends: a write may run on from there with zeros between. */
  after: number;
  tag?: number;
}

/** One read of a source range, written to every place that needs it. */
export interface ReadJob {
  kind: 'read';
  path: string;
  offset: number;
  /** Bytes read. */
  length: number;
  /** Where the bytes go: ranges of the read, or with a kernel, of its output. */
  places: Placement[];
  /** Computes the bytes written from the bytes read (whole units: the job holds one range alone). */
  kernel?: Kernel;
}

/** A window of one target filled from patterns; bytes between pieces are written as zeros. */
export interface FillJob {
  kind: 'fill';
  file: number;
  target: number;
  length: number;
  pieces: CopyPiece[];
}

export interface KernelCopyJob {
  kind: 'kernel';
  file: number;
  path: string;
  sourceOffset: number;
  target: number;
  length: number;
  tag?: number;
}

export type CopyJob = ReadJob | FillJob | KernelCopyJob;

export interface PlanOptions {
  /** The most one buffered job holds (the size of each pooled buffer). */
  chunkBytes: number;
  /** Smaller reads for some sources, by path (a stream reads best a pipe's buffer at a time). */
  sourceChunkBytes?: Map<string, number>;
  /** File ranges at least this long with one destination are copied by the kernel; Infinity turns that off. */
  kernelCopyMinBytes: number;
  /** The longest run one kernel copy job moves. */
  kernelChunkBytes: number;
  /** Ranges closer than this share a read (the gap is read and dropped) or a write (the gap is written as zeros). */
  maxGapBytes: number;
  /** The targets already read as zeros (fresh, sized files): zero fills can be skipped. */
  targetIsZeroed: boolean;
}

export const isZeroFill = (s: PieceSource) => s.kind === 'fill' && s.pattern.every((b) => b === 0);

/** The part of a piece from `skip` bytes in, `length` long. */
export function slicePiece(piece: CopyPiece, skip: number, length: number): CopyPiece {
  const { source } = piece;
  const sliced: PieceSource =
    source.kind === 'file'
      ? { ...source, offset: source.offset + skip }
      : source.kind === 'computed'
        ? // `skip` is whole output units.
          { ...source, offset: source.offset + inputBytes(source.kernel, skip) }
        : // Keep a fill in phase with its pattern.
          { kind: 'fill', pattern: rotate(source.pattern, skip % source.pattern.length) };
  return { ...piece, target: piece.target + skip, length, source: sliced };
}

function rotate(pattern: Uint8Array, by: number): Uint8Array {
  if (by === 0) return pattern;
  const out = new Uint8Array(pattern.length);
  out.set(pattern.subarray(by));
  out.set(pattern.subarray(0, by), pattern.length - by);
  return out;
}

type FilePiece = CopyPiece & { source: { kind: 'file'; path: string; offset: number } | { kind: 'computed'; path: string; offset: number; kernel: Kernel } };
const kernelOf = (p: FilePiece): Kernel | undefined => (p.source.kind === 'computed' ? p.source.kernel : undefined);
/** A piece with where the piece before it in its target ends. */
type Ordered<P extends CopyPiece = CopyPiece> = { file: number; piece: P; after: number };

/** `targets[i]` holds the pieces of target file i. */
export function planCopies(targets: CopyPiece[][], options: PlanOptions): CopyJob[] {
  const jobs: CopyJob[] = [];
  const reads: Ordered<FilePiece>[] = [];
  targets.forEach((pieces, file) => {
    const fills: Ordered[] = [];
    let end = -1;
    const written = pieces.filter((p) => p.length > 0 && !(options.targetIsZeroed && isZeroFill(p.source))).sort((a, b) => a.target - b.target);
    for (const piece of written) {
      const entry = { file, piece, after: end };
      end = piece.target + piece.length;
      if (piece.source.kind === 'fill') fills.push(entry);
      else reads.push(entry as Ordered<FilePiece>);
    }
    append(jobs, planFills(file, fills, options));
  });
  if (options.kernelCopyMinBytes === Infinity) {
    append(jobs, planReads(reads, options));
    return jobs;
  }
  const shared = new Map<string, number>();
  const rangeKey = (p: FilePiece) => `${p.source.path}\0${p.source.offset}\0${p.length}`;
  for (const { piece } of reads) shared.set(rangeKey(piece), (shared.get(rangeKey(piece)) ?? 0) + 1);
  const buffered: Ordered<FilePiece>[] = [];
  for (const read of reads) {
    // A range several targets need is read once for all, never copied by the kernel once per target.
    const plain = shared.get(rangeKey(read.piece)) === 1 && !kernelOf(read.piece);
    if (plain && read.piece.length >= options.kernelCopyMinBytes) append(jobs, kernelJobs(read.file, read.piece, options.kernelChunkBytes));
    else buffered.push(read);
  }
  append(jobs, planReads(buffered, options));
  return jobs;
}

function kernelJobs(file: number, piece: FilePiece, chunk: number): KernelCopyJob[] {
  const jobs: KernelCopyJob[] = [];
  for (let done = 0; done < piece.length; done += chunk) {
    const length = Math.min(chunk, piece.length - done);
    jobs.push({ kind: 'kernel', file, path: piece.source.path, sourceOffset: piece.source.offset + done, target: piece.target + done, length, tag: piece.tag });
  }
  return jobs;
}

const sameRange = (a: FilePiece, b: FilePiece) => a.source.path === b.source.path && a.source.offset === b.source.offset && a.length === b.length && kernelOf(a) === kernelOf(b);

/** Source ranges in file order, packed into reads of at most `chunkBytes` (or the source's own); a range read once serves every destination. */
function planReads(reads: Ordered<FilePiece>[], options: PlanOptions): ReadJob[] {
  const jobs: ReadJob[] = [];
  let job: ReadJob | undefined;
  const sorted = reads.sort(
    (a, b) =>
      (a.piece.source.path < b.piece.source.path ? -1 : a.piece.source.path > b.piece.source.path ? 1 : 0) ||
      a.piece.source.offset - b.piece.source.offset ||
      a.piece.length - b.piece.length,
  );
  for (let i = 0; i < sorted.length; ) {
    // Every destination of the same range, so each part of it is read once for all of them.
    const { piece } = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && sameRange(sorted[j]!.piece, piece)) ++j;
    const first = i;
    i = j;
    const { path } = piece.source;
    const most = Math.min(options.chunkBytes, options.sourceChunkBytes?.get(path) ?? Infinity);
    const kernel = kernelOf(piece);
    if (kernel) {
      if (job) jobs.push(job);
      job = undefined;
      append(jobs, computedJobs(sorted.slice(first, j), kernel, most));
      continue;
    }
    const chunk = most;
    for (let done = 0; done < piece.length; ) {
      const offset = piece.source.offset + done;
      const end = job ? job.offset + job.length : 0;
      const fits = job && job.path === path && offset >= job.offset && offset - end <= options.maxGapBytes && offset < job.offset + chunk;
      if (!fits) {
        if (job) jobs.push(job);
        job = { kind: 'read', path, offset, length: 0, places: [] };
      }
      const length = Math.min(job!.offset + chunk - offset, piece.length - done);
      for (let k = first; k < j; ++k) {
        const d = sorted[k]!;
        const target = d.piece.target + done;
        job!.places.push({ file: d.file, target, from: offset - job!.offset, length, after: done === 0 ? d.after : target, tag: d.piece.tag });
      }
      job!.length = Math.max(job!.length, offset + length - job!.offset);
      done += length;
    }
  }
  if (job) jobs.push(job);
  return jobs;
}

/**
 * A computed range, to every place that needs it, as jobs of its own: each
 * reads whole units of input whose output fits in a chunk, so input and
 * output each fit one buffer.
 */
function computedJobs(destinations: Ordered<FilePiece>[], kernel: Kernel, chunkBytes: number): ReadJob[] {
  const { piece } = destinations[0]!;
  const step = unitsWithin(kernel, chunkBytes) * kernel.outputUnit;
  const jobs: ReadJob[] = [];
  for (let done = 0; done < piece.length; done += step) {
    const length = Math.min(step, piece.length - done);
    const places = destinations.map((d): Placement => ({ file: d.file, target: d.piece.target + done, from: 0, length, after: done === 0 ? d.after : d.piece.target + done, tag: d.piece.tag }));
    jobs.push({ kind: 'read', path: piece.source.path, offset: piece.source.offset + inputBytes(kernel, done), length: inputBytes(kernel, length), places, kernel });
  }
  return jobs;
}

/**
 * Fills of one target, in target order, packed into windows of at most
 * `chunkBytes`. A window writes zeros between its pieces, so it only spans
 * gaps that no other piece lands in.
 */
function planFills(file: number, fills: Ordered[], options: PlanOptions): FillJob[] {
  const jobs: FillJob[] = [];
  let window: FillJob | undefined;
  for (const { piece, after } of fills) {
    for (let done = 0; done < piece.length; ) {
      const at = piece.target + done;
      const end = window ? window.target + window.length : -1;
      if (window && ((done === 0 && after !== end) || at - end > options.maxGapBytes || at >= window.target + options.chunkBytes)) {
        jobs.push(window);
        window = undefined;
      }
      window ??= { kind: 'fill', file, target: at, length: 0, pieces: [] };
      const length = Math.min(window.target + options.chunkBytes - at, piece.length - done);
      window.pieces.push(done === 0 && length === piece.length ? piece : slicePiece(piece, done, length));
      window.length = at + length - window.target;
      done += length;
    }
  }
  if (window) jobs.push(window);
  return jobs;
}
