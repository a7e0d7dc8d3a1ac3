import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';

/** Refuses an output path that names one of the inputs (directly or through a link). */
export async function assertNotAnInput(output: string, inputs: Iterable<string>): Promise<void> {
  const target = await stat(output).catch(() => undefined);
  for (const input of new Set(inputs)) {
    const same =
      resolve(input) === resolve(output) ||
      (target !== undefined && (await stat(input).then((s) => s.dev === target.dev && s.ino === target.ino, () => false)));
    if (same) throw new UsageError(`output '${output}' is also an input; write to another path`);
  }
}
