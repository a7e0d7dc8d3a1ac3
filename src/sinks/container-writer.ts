import { writeAllAtomically, type DurabilityOptions } from '../io/outputs/atomic-output.js';
import { resolveOutput, writeStream, type OutputTarget } from '../io/outputs/output-target.js';
import { inputsOf, type FileCache } from '../io/inputs/file-cache.js';
import { assertNotAnInput } from '../io/outputs/same-file.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import type { CopyPiece } from '../scheduler/plan.js';
import { trackProgress, type ProgressState } from '../scheduler/progress.js';
import { payloadBytes, planContainerFile, planInputs, type ContainerLayout, type FilePlan } from './file-plan.js';
import type { Parameter } from '../model/parameter.js';
import { abortable, frontToBackProgress, planBytes } from './plan-bytes.js';

export type { ContainerLayout } from './file-plan.js';

export interface ContainerWriteOptions extends DurabilityOptions {
  /** Runs the payload copies; a default one if not given. */
  scheduler?: IoScheduler;
  /** Hears running totals of bytes and parameters written. */
  onProgress?: (state: ProgressState) => void;
  /** The inputs the parameters were read with (standard input's state among them); the caller closes them. Fresh ones if not given. */
  inputs?: FileCache;
  /** Give a spilled input's space back behind the copy (default true): false when the same bytes are read again later. */
  releaseSources?: boolean;
  /** Stops the write: nothing appears, and the write fails with the signal's reason. */
  abort?: AbortSignal | undefined;
}

/** Writes one planned file; it appears at `path` only once complete. Returns the payload bytes moved. */
export function writeContainer(path: string, parameters: Parameter[], layout: ContainerLayout, options: ContainerWriteOptions = {}): Promise<number> {
  return writeFiles([planContainerFile(path, parameters, layout)], options);
}

/**
 * Writes planned files together: each is sized, given its prefix, then every
 * payload is copied through one scheduler call, so a source range that
 * several files need is read once. All are flushed before any is moved into
 * place; if one fails, none appears. A file that is a stream (standard
 * output, a FIFO, a character device) is then written front to back.
 * Returns the payload bytes moved.
 */
export async function writeFiles(plans: FilePlan[], options: ContainerWriteOptions = {}): Promise<number> {
  const inputs = planInputs(plans);
  for (const plan of plans) await assertNotAnInput(plan.path, inputs);
  const targets = await Promise.all(plans.map((plan) => resolveOutput(plan.path)));
  const files = plans.filter((_, i) => targets[i]!.kind === 'file');
  if (files.length > 0) await writeFilesAtomically(files, options);
  for (const [i, target] of targets.entries()) {
    if (target.kind === 'stream') await writePlanToStream(plans[i]!, target, options);
  }
  return plans.reduce((n, plan) => n + payloadBytes(plan), 0);
}

async function writeFilesAtomically(plans: FilePlan[], options: ContainerWriteOptions): Promise<void> {
  // Tags number parameters across all files, for progress.
  let base = 0;
  const pieces: CopyPiece[][] = plans.map((plan) => {
    const tagged = base === 0 ? plan.pieces : plan.pieces.map((p) => (p.tag === undefined ? p : { ...p, tag: base + p.tag }));
    base += plan.parameterCount;
    return tagged;
  });
  const scheduler = options.scheduler ?? new IoScheduler();
  const subscription = options.onProgress && progressOf(scheduler, pieces, base).subscribe(options.onProgress);
  const { files, done } = inputsOf(options);
  try {
    await writeAllAtomically(
      plans.map((p) => p.path),
      async (outputs) => {
        await Promise.all(
          outputs.map(async (out, i) => {
            await out.truncate(plans[i]!.totalSize);
            if (plans[i]!.prefix.length > 0) await out.write(plans[i]!.prefix, 0);
          }),
        );
        // One pass over the inputs, and the last: a spilled input gives its space back behind it.
        await scheduler.copyToFiles(outputs.map((target, i) => ({ target, pieces: pieces[i]! })), files, { targetIsZeroed: true, releaseSources: options.releaseSources ?? true, abort: options.abort });
        await files.finishInputs();
      },
      options,
    );
  } finally {
    subscription?.unsubscribe();
    await done();
  }
}

/** A planned file's bytes, front to back, into a stream; progress as each parameter's bytes pass. */
async function writePlanToStream(plan: FilePlan, target: OutputTarget & { kind: 'stream' }, options: ContainerWriteOptions): Promise<void> {
  const { files, done } = inputsOf(options);
  try {
    const chunks = planBytes(plan, files, options.scheduler ?? new IoScheduler(), options.onProgress && frontToBackProgress([plan], options.onProgress));
    await writeStream(target, abortable(chunks, options.abort), plan.path);
    await files.finishInputs();
  } finally {
    await done();
  }
}

/** Running totals for pieces tagged 0..count-1 across files; parameters with nothing to copy are done from the start. */
function progressOf(scheduler: IoScheduler, pieces: CopyPiece[][], count: number) {
  const bytesByTag = new Map<number, number>();
  for (const list of pieces) for (const p of list) if (p.tag !== undefined) bytesByTag.set(p.tag, (bytesByTag.get(p.tag) ?? 0) + p.length);
  return trackProgress(scheduler.progress, bytesByTag, count - bytesByTag.size);
}
