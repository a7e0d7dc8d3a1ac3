import type { FileCache } from '../io/inputs/file-cache.js';
import type { IoScheduler } from '../scheduler/io-scheduler.js';
import { sourceChunks } from '../scheduler/parameter-chunks.js';
import type { CopyPiece } from '../scheduler/plan.js';
import type { ProgressState } from '../scheduler/progress.js';
import type { FilePlan } from './file-plan.js';

const CHUNK = 8 * 2 ** 20;

/**
 * A planned file's bytes front to back: its prefix, then each piece in
 * place, zeros between. Each chunk is a fresh buffer, since a stream may
 * hold it until it is written; backpressure keeps only a few alive. Reads
 * go through `scheduler`. `onPiece` hears of each piece once its bytes are
 * handed on.
 */
export async function* planBytes(plan: FilePlan, files: FileCache, scheduler: IoScheduler, onPiece?: (piece: CopyPiece) => void): AsyncGenerator<Uint8Array> {
  let at = 0;
  const zeros = function* (until: number) {
    for (; at < until; at += Math.min(CHUNK, until - at)) yield new Uint8Array(Math.min(CHUNK, until - at));
  };
  if (plan.prefix.length > 0) yield plan.prefix;
  at = plan.prefix.length;
  for (const piece of [...plan.pieces].sort((a, b) => a.target - b.target)) {
    yield* zeros(piece.target);
    yield* sourceChunks(piece.source, piece.length, files, scheduler, { chunkBytes: CHUNK, fresh: true });
    onPiece?.(piece);
    at = piece.target + piece.length;
  }
  yield* zeros(plan.totalSize);
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

/** `chunks`, failing with the signal's reason at the first chunk after it is aborted. */
export async function* abortable(chunks: AsyncIterable<Uint8Array>, abort: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    abort?.throwIfAborted();
    yield chunk;
  }
}
