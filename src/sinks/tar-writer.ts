import { basename } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { writeAtomically, type DurabilityOptions } from '../io/outputs/atomic-output.js';
import { resolveOutput, writeStream } from '../io/outputs/output-target.js';
import { inputsOf, type FileCache } from '../io/inputs/file-cache.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { assertNotAnInput } from '../io/outputs/same-file.js';
import { payloadBytes, planInputs, type FilePlan } from './file-plan.js';
import { abortable, frontToBackProgress, planBytes } from './plan-bytes.js';
import type { ProgressState } from '../scheduler/progress.js';

/**
 * Writes planned files as members of a tar stream, in plan order, with fixed
 * metadata (mode 0644, owner 0, time 0) so the same inputs give the same
 * bytes. Memory stays at a few chunks whatever the sizes. Returns payload bytes.
 */
export async function writeTarStream(plans: FilePlan[], out: Writable, onProgress?: (state: ProgressState) => void, inputs?: FileCache, abort?: AbortSignal): Promise<number> {
  const pack = tar.pack();
  const piped = pipeline(pack, out);
  // Awaited below at each step; a failure between steps must not count as unhandled.
  piped.catch(() => undefined);
  const { files, done } = inputsOf({ inputs });
  const scheduler = new IoScheduler();
  const onPiece = onProgress && frontToBackProgress(plans, onProgress);
  try {
    for (const plan of plans) {
      const entry = pack.entry({ name: basename(plan.path), size: plan.totalSize, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', type: 'file' });
      // A failure reaches us through `piped`; the entry's own error event must not go unheard.
      entry.on('error', () => undefined);
      for await (const chunk of abortable(planBytes(plan, files, scheduler, onPiece), abort)) {
        if (!entry.write(chunk)) await Promise.race([new Promise<void>((resolve) => entry.once('drain', () => resolve())), piped]);
      }
      await Promise.race([new Promise<void>((resolve) => entry.end(resolve)), piped]);
    }
    await files.finishInputs();
    pack.finalize();
    await piped;
  } catch (error) {
    pack.destroy(error as Error);
    await piped.catch(() => undefined);
    throw error;
  } finally {
    await done();
  }
  return plans.reduce((n, plan) => n + payloadBytes(plan), 0);
}

/** Writes planned files into a tar file that appears only once complete (or, to a FIFO or device, as a stream). */
export async function writeTarFile(path: string, plans: FilePlan[], options: DurabilityOptions & { onProgress?: (state: ProgressState) => void; inputs?: FileCache; abort?: AbortSignal | undefined } = {}): Promise<number> {
  await assertNotAnInput(path, planInputs(plans));
  const target = await resolveOutput(path);
  if (target.kind === 'stream') {
    let bytes = 0;
    const sink = new PassThrough();
    const written = writeStream(target, sink, path);
    written.catch(() => undefined);
    bytes = await writeTarStream(plans, sink, options.onProgress, options.inputs, options.abort);
    await written;
    return bytes;
  }
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
    return writeTarStream(plans, sink, options.onProgress, options.inputs, options.abort);
  }, options);
}
