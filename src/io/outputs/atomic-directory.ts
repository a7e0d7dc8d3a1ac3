import { mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { IoError, ioError, UsageError } from '../../errors.js';
import { addPendingOutput, dropPendingOutput, syncDirectory, type DurabilityOptions } from './atomic-output.js';
import { callAsync, libcFunction, type AsyncFunction } from '../os/libc.js';
import { lockPartial } from './partial-lock.js';
import { isWithin } from '../inputs/path-within.js';
import { partialPath, removeStalePartials } from './stale-partials.js';

/**
 * Fills a temporary directory beside `target`, then moves it into place; on
 * failure or interruption it is removed. An existing non-empty target is
 * refused unless `force`, in which case it is replaced only once the new one
 * is complete.
 */

const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;
let renameat2: AsyncFunction | null | undefined;

/**
 * Puts the finished directory at `target`. An existing one is swapped with it
 * in one step (Linux `renameat2(RENAME_EXCHANGE)`), so the target is never
 * missing, even to a kill at that moment; the old contents end at `temp` and
 * are removed with it. Elsewhere the old one is moved aside first.
 */
async function moveIntoPlace(temp: string, target: string): Promise<void> {
  const fail = (error: unknown) => {
    throw ioError(target, error, 'move output directory into place');
  };
  const exists = await stat(target).then(() => true, () => false);
  if (!exists) return rename(temp, target).catch(fail);
  renameat2 ??= libcFunction('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)');
  if (renameat2 && (await callAsync(renameat2, AT_FDCWD, temp, AT_FDCWD, target, RENAME_EXCHANGE).catch(() => -1)) === 0) return;
  // Named as a partial output, so a run killed here has it removed by the next.
  const aside = partialPath(target);
  await rename(target, aside).catch(fail);
  await rename(temp, target).catch(fail);
  await rm(aside, { recursive: true, force: true });
}

export interface DirectoryOptions extends DurabilityOptions {
  /** Files the set is made from: a target directory that holds one is refused, since replacing it would delete it. */
  inputs?: Iterable<string>;
}

/** Refuses a directory that is, or holds, one of the inputs (through links too: real paths are compared). */
async function refuseHoldingInputs(target: string, inputs: Iterable<string>): Promise<void> {
  const dir = await realpath(target);
  for (const input of new Set(inputs)) {
    const file = await realpath(input).catch(() => undefined);
    if (file !== undefined && isWithin(dir, file)) {
      throw new UsageError(`--output=${target} holds the input ${input}: replacing it would delete the input; write the set to another directory`);
    }
  }
}

/** An error about a file in the temporary directory, told of the file in the target the user named. */
function namedForTarget(error: unknown, temp: string, target: string): unknown {
  if (!(error instanceof IoError) || !error.file.startsWith(temp)) return error;
  return new IoError(join(target, error.file.slice(temp.length)), error.detail, error.code);
}

export async function writeDirectoryAtomically<T>(target: string, force: boolean, fill: (dir: string) => Promise<T>, options: DirectoryOptions = {}): Promise<T> {
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new UsageError(`--output=${target} is a file, not a directory`);
    throw ioError(target, error, 'read');
  });
  if (existing.length > 0) await refuseHoldingInputs(target, options.inputs ?? []);
  if (existing.length > 0 && !force) throw new UsageError(`--output=${target} is not empty; pass --force to replace it`);
  await removeStalePartials(target);
  const temp = partialPath(target);
  try {
    await mkdir(temp);
  } catch (error) {
    throw ioError(target, error, 'create output directory');
  }
  addPendingOutput(temp);
  // Held open until the set is published or discarded: the lock says it is being written.
  const lock = await open(temp, 'r').catch(() => undefined);
  if (lock) await lockPartial(lock.fd);
  const discard = async () => {
    await rm(temp, { recursive: true, force: true });
    await lock?.close().catch(() => undefined);
    dropPendingOutput(temp);
  };
  const publish = async () => {
    try {
      await moveIntoPlace(temp, target);
      if (options.sync ?? true) await syncDirectory(dirname(resolve(target)), target);
    } finally {
      // What is left at the temporary name is the old directory (or nothing).
      await discard();
    }
  };
  let result: T;
  try {
    result = await fill(temp);
    // The new directory's entries, then its own in its parent, are made durable.
    if (options.sync ?? true) await syncDirectory(temp, target);
  } catch (error) {
    await discard();
    throw namedForTarget(error, temp, target);
  }
  if (options.publication) options.publication.defer(publish, discard);
  else await publish();
  return result;
}
