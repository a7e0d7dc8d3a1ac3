import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { writeAtomically } from '../io/atomic-output.js';
import { FileCache } from '../io/file-cache.js';
import { fillWithPattern } from '../io/parameter-bytes.js';
import { finishStandardInput } from '../io/standard-input.js';
import { assertNotAnInput } from '../io/same-file.js';
import type { CopyPiece } from '../scheduler/plan.js';
import { payloadBytes, planInputs, type FilePlan } from './file-plan.js';

const CHUNK = 8 * 2 ** 20;

/**
 * A planned file's bytes front to back: its prefix, then each piece in
 * place, zeros between. Each chunk is a fresh buffer, since a stream may
 * hold it until it is written; backpressure keeps only a few alive.
 */
async function* planBytes(plan: FilePlan, files: FileCache): AsyncGenerator<Uint8Array> {
  let at = 0;
  const zeros = function* (until: number) {
    for (; at < until; at += Math.min(CHUNK, until - at)) yield new Uint8Array(Math.min(CHUNK, until - at));
  };
  if (plan.prefix.length > 0) yield plan.prefix;
  at = plan.prefix.length;
  for (const piece of [...plan.pieces].sort((a, b) => a.target - b.target)) {
    yield* zeros(piece.target);
    yield* pieceBytes(piece, files);
    at = piece.target + piece.length;
  }
  yield* zeros(plan.totalSize);
}

async function* pieceBytes(piece: CopyPiece, files: FileCache): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < piece.length; ) {
    const n = Math.min(CHUNK, piece.length - done);
    if (piece.source.kind === 'fill') {
      // Chunks are multiples of every pattern length (1 to 16 bytes), so each starts in phase.
      yield fillWithPattern(new Uint8Array(n), piece.source.pattern);
    } else {
      const file = await files.get(piece.source.path);
      yield await file.read(piece.source.offset + done, n, `${n} bytes of parameter data`);
    }
    done += n;
  }
}

/**
 * Writes planned files as members of a tar stream, in plan order, with fixed
 * metadata (mode 0644, owner 0, time 0) so the same inputs give the same
 * bytes. Memory stays at a few chunks whatever the sizes. Returns payload bytes.
 */
export async function writeTarStream(plans: FilePlan[], out: Writable): Promise<number> {
  const pack = tar.pack();
  const piped = pipeline(pack, out);
  // Awaited below at each step; a failure between steps must not count as unhandled.
  piped.catch(() => undefined);
  const files = new FileCache();
  try {
    for (const plan of plans) {
      const entry = pack.entry({ name: basename(plan.path), size: plan.totalSize, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', type: 'file' });
      // A failure reaches us through `piped`; the entry's own error event must not go unheard.
      entry.on('error', () => undefined);
      for await (const chunk of planBytes(plan, files)) {
        if (!entry.write(chunk)) await Promise.race([new Promise<void>((resolve) => entry.once('drain', () => resolve())), piped]);
      }
      await Promise.race([new Promise<void>((resolve) => entry.end(resolve)), piped]);
    }
    await finishStandardInput();
    pack.finalize();
    await piped;
  } catch (error) {
    pack.destroy(error as Error);
    await piped.catch(() => undefined);
    throw error;
  } finally {
    await files.closeAll();
  }
  return plans.reduce((n, plan) => n + payloadBytes(plan), 0);
}

/** Writes planned files into a tar file that appears only once complete. */
export async function writeTarFile(path: string, plans: FilePlan[]): Promise<number> {
  await assertNotAnInput(path, planInputs(plans));
  return writeAtomically(path, (out) => {
    // Written through the atomic output itself, which keeps its descriptor to flush and rename.
    let position = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.write(chunk, position).then(() => {
          position += chunk.length;
          done();
        }, done);
      },
    });
    return writeTarStream(plans, sink);
  });
}
