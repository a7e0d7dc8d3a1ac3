import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ioError, UsageError } from '../errors.js';
import { addPendingOutput, dropPendingOutput } from './atomic-output.js';
import { removeStalePartials } from './stale-partials.js';

/**
 * Fills a temporary directory beside `target`, then moves it into place; on
 * failure or interruption it is removed. An existing non-empty target is
 * refused unless `force`, in which case it is replaced only once the new one
 * is complete.
 */
export async function writeDirectoryAtomically<T>(target: string, force: boolean, fill: (dir: string) => Promise<T>): Promise<T> {
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new UsageError(`--output=${target} is a file, not a directory`);
    throw ioError(target, error, 'read');
  });
  if (existing.length > 0 && !force) throw new UsageError(`--output=${target} is not empty; pass --force to replace it`);
  await removeStalePartials(target);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  try {
    await mkdir(temp);
  } catch (error) {
    throw ioError(target, error, 'create output directory');
  }
  addPendingOutput(temp);
  try {
    const result = await fill(temp);
    await rm(target, { recursive: true, force: true });
    await rename(temp, target).catch((error) => {
      throw ioError(target, error, 'move output directory into place');
    });
    return result;
  } finally {
    await rm(temp, { recursive: true, force: true });
    dropPendingOutput(temp);
  }
}
