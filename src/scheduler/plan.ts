/**
 * Plans a set of byte copies into one target file as a few large jobs:
 * big file-to-file ranges become kernel copies (split into bounded runs);
 * everything else is packed into buffered windows of at most `chunkBytes`
 * of the target, read with as few calls as adjacency allows and written
 * with one. Pure: no I/O.
 */
export type PieceSource = { kind: 'file'; path: string; offset: number } | { kind: 'fill'; pattern: Uint8Array };

export interface CopyPiece {
  /** Absolute offset in the target. */
  target: number;
  length: number;
  source: PieceSource;
  /** Caller's label (e.g. the parameter's index), carried for progress. */
  tag?: number;
}

export interface KernelCopyJob {
  kind: 'kernel';
  path: string;
  sourceOffset: number;
  target: number;
  length: number;
  tag?: number;
}

export interface BufferedJob {
  kind: 'buffered';
  /** The target window: bytes between pieces are written as zeros. */
  target: number;
  length: number;
  pieces: CopyPiece[];
}

export type CopyJob = KernelCopyJob | BufferedJob;

export interface PlanOptions {
  /** Size of one buffered window (and of each pooled buffer). */
  chunkBytes: number;
  /** File ranges at least this long are copied by the kernel; Infinity turns that off. */
  kernelCopyMinBytes: number;
  /** The longest run one kernel copy job moves. */
  kernelChunkBytes: number;
  /** Pieces closer than this in the target share a window (the gap is written as zeros). */
  maxGapBytes: number;
  /** The target already reads as zeros (a fresh, truncated file): zero fills can be skipped. */
  targetIsZeroed: boolean;
}

export const isZeroFill = (s: PieceSource) => s.kind === 'fill' && s.pattern.every((b) => b === 0);

/** The part of a piece from `skip` bytes in, `length` long. */
export function slicePiece(piece: CopyPiece, skip: number, length: number): CopyPiece {
  const source: PieceSource =
    piece.source.kind === 'file'
      ? { ...piece.source, offset: piece.source.offset + skip }
      : // Keep a fill in phase with its pattern.
        { kind: 'fill', pattern: rotate(piece.source.pattern, skip % piece.source.pattern.length) };
  return { ...piece, target: piece.target + skip, length, source };
}

function rotate(pattern: Uint8Array, by: number): Uint8Array {
  if (by === 0) return pattern;
  const out = new Uint8Array(pattern.length);
  out.set(pattern.subarray(by));
  out.set(pattern.subarray(0, by), pattern.length - by);
  return out;
}

export function planCopies(pieces: CopyPiece[], options: PlanOptions): CopyJob[] {
  const jobs: CopyJob[] = [];
  let window: BufferedJob | undefined;
  const flush = () => {
    if (window) jobs.push(window);
    window = undefined;
  };
  const sorted = pieces
    .filter((p) => p.length > 0 && !(options.targetIsZeroed && isZeroFill(p.source)))
    .sort((a, b) => a.target - b.target);
  for (const piece of sorted) {
    if (piece.source.kind === 'file' && piece.length >= options.kernelCopyMinBytes) {
      flush();
      for (let done = 0; done < piece.length; done += options.kernelChunkBytes) {
        const length = Math.min(options.kernelChunkBytes, piece.length - done);
        jobs.push({ kind: 'kernel', path: piece.source.path, sourceOffset: piece.source.offset + done, target: piece.target + done, length, tag: piece.tag });
      }
      continue;
    }
    for (let done = 0; done < piece.length; ) {
      const at = piece.target + done;
      if (window && (at - (window.target + window.length) > options.maxGapBytes || at >= window.target + options.chunkBytes)) flush();
      window ??= { kind: 'buffered', target: at, length: 0, pieces: [] };
      const room = window.target + options.chunkBytes - at;
      const length = Math.min(room, piece.length - done);
      window.pieces.push(done === 0 && length === piece.length ? piece : slicePiece(piece, done, length));
      window.length = at + length - window.target;
      done += length;
    }
  }
  flush();
  return jobs;
}
