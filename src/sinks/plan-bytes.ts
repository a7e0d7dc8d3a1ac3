import { swapBytes, wholeBlocks } from '../formats/byte-swap.js';
import type { FileCache } from '../io/file-cache.js';
import { fillWithPattern } from '../io/parameter-bytes.js';
import type { CopyPiece } from '../scheduler/plan.js';
import type { ProgressState } from '../scheduler/progress.js';
import type { FilePlan } from './file-plan.js';

const CHUNK = 8 * 2 ** 20;

/**
 * A planned file's bytes front to back: its prefix, then each piece in
 * place, zeros between. Each chunk is a fresh buffer, since a stream may
 * hold it until it is written; backpressure keeps only a few alive.
 * `onPiece` hears of each piece once its bytes are handed on.
 */
export async function* planBytes(plan: FilePlan, files: FileCache, onPiece?: (piece: CopyPiece) => void): AsyncGenerator<Uint8Array> {
  let at = 0;
  const zeros = function* (until: number) {
    for (; at < until; at += Math.min(CHUNK, until - at)) yield new Uint8Array(Math.min(CHUNK, until - at));
  };
  if (plan.prefix.length > 0) yield plan.prefix;
  at = plan.prefix.length;
  for (const piece of [...plan.pieces].sort((a, b) => a.target - b.target)) {
    yield* zeros(piece.target);
    yield* pieceBytes(piece, files);
    onPiece?.(piece);
    at = piece.target + piece.length;
  }
  yield* zeros(plan.totalSize);
}

async function* pieceBytes(piece: CopyPiece, files: FileCache): AsyncGenerator<Uint8Array> {
  const swap = piece.source.kind === 'file' ? piece.source.swap : undefined;
  // Whole blocks of a payload whose byte order changes.
  const chunk = wholeBlocks(CHUNK, swap);
  for (let done = 0; done < piece.length; ) {
    const n = Math.min(chunk, piece.length - done);
    if (piece.source.kind === 'fill') {
      // Chunks are multiples of every pattern length (1 to 16 bytes), so each starts in phase.
      yield fillWithPattern(new Uint8Array(n), piece.source.pattern);
    } else {
      const file = await files.get(piece.source.path);
      const bytes = await file.read(piece.source.offset + done, n, `${n} bytes of parameter data`);
      if (swap) swapBytes(bytes, swap);
      yield bytes;
    }
    done += n;
  }
}


/** Running totals for planned files written piece by piece, front to back (tars, streams). */
export function frontToBackProgress(plans: FilePlan[], onProgress: (state: ProgressState) => void): (piece: CopyPiece) => void {
  const state: ProgressState = { bytesDone: 0, bytesTotal: 0, parametersDone: 0, parametersTotal: 0 };
  for (const plan of plans) {
    state.bytesTotal += plan.pieces.reduce((n, p) => n + p.length, 0);
    state.parametersTotal += plan.parameterCount;
    // Parameters with nothing to copy (splats, zeroed ones) are done from the start.
    state.parametersDone += plan.parameterCount - new Set(plan.pieces.map((p) => p.tag)).size;
  }
  return (piece) => {
    state.bytesDone += piece.length;
    state.parametersDone += 1;
    onProgress({ ...state });
  };
}
