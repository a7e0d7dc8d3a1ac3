import type { FileCache } from '../io/file-cache.js';
import { compute, inputBytes, unitsWithin } from '../kernels/kernel.js';
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
  const { source } = piece;
  if (source.kind === 'fill') {
    // Chunks are multiples of every pattern length (1 to 16 bytes), so each starts in phase.
    for (let done = 0; done < piece.length; done += CHUNK) yield fillWithPattern(new Uint8Array(Math.min(CHUNK, piece.length - done)), source.pattern);
    return;
  }
  const file = await files.get(source.path);
  const kernel = source.kind === 'computed' ? source.kernel : undefined;
  // A computed range is read in whole units of its kernel.
  const step = kernel ? unitsWithin(kernel, CHUNK) * kernel.outputUnit : CHUNK;
  for (let done = 0; done < piece.length; done += step) {
    const n = Math.min(step, piece.length - done);
    if (!kernel) {
      yield await file.read(source.offset + done, n, `${n} bytes of parameter data`);
      continue;
    }
    const input = await file.read(source.offset + inputBytes(kernel, done), inputBytes(kernel, n), `${inputBytes(kernel, n)} bytes of parameter data`);
    yield compute(kernel, input);
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
