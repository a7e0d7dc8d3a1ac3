import { writeAtomically } from '../io/atomic-output.js';
import { FileCache } from '../io/file-cache.js';
import { assertNotAnInput } from '../io/same-file.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { isZeroFill, type CopyPiece, type PieceSource } from '../scheduler/plan.js';
import { trackProgress, type ProgressState } from '../scheduler/progress.js';

export interface ContainerWriteOptions {
  /** Runs the payload copies; a default one if not given. */
  scheduler?: IoScheduler;
  /** Hears running totals of bytes and parameters written. */
  onProgress?: (state: ProgressState) => void;
}

/** A file format's plan: the bytes before the payloads, and where each parameter's bytes go. */
export interface ContainerLayout {
  prefix: Uint8Array;
  /** Absolute offset of each parameter's bytes, or undefined for one stored without bytes (a splat). */
  offsets: (number | undefined)[];
  totalSize: number;
}

/**
 * Writes a planned file: sized first (so gaps and zeroed parameters are holes
 * of zeros), the prefix, then every payload through the scheduler. The file
 * appears at `path` only once complete. Returns the payload bytes moved.
 */
export async function writeContainer(path: string, parameters: Parameter[], layout: ContainerLayout, options: ContainerWriteOptions = {}): Promise<number> {
  await assertNotAnInput(path, new Set(parameters.flatMap((p) => fileRange(p)?.path ?? [])));
  const pieces: CopyPiece[] = [];
  parameters.forEach((p, i) => {
    const target = layout.offsets[i];
    if (target === undefined) return;
    const range = fileRange(p);
    const source: PieceSource = range ? { kind: 'file', ...range } : { kind: 'fill', pattern: fillPattern(p)! };
    // The file is sized with zeros: empty and zeroed parameters need no writing.
    if (p.length === 0 || isZeroFill(source)) return;
    pieces.push({ target, length: p.length, source, tag: i });
  });
  const scheduler = options.scheduler ?? new IoScheduler();
  const bytesByTag = new Map(pieces.map((p) => [p.tag!, p.length]));
  const subscription = options.onProgress && trackProgress(scheduler.progress, bytesByTag, parameters.length - bytesByTag.size).subscribe(options.onProgress);
  const files = new FileCache();
  try {
    await writeAtomically(path, async (out) => {
      await out.truncate(layout.totalSize);
      await out.write(layout.prefix, 0);
      await scheduler.copyToFile(pieces, out, files, { targetIsZeroed: true });
    });
  } finally {
    subscription?.unsubscribe();
    await files.closeAll();
  }
  return pieces.reduce((n, p) => n + p.length, 0);
}
