import { createWriteStream } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ioError, UsageError } from '../../errors.js';

/** `--output=-`: standard output. */
export const STANDARD_OUTPUT = '-';

/**
 * Where an output goes. A regular file (new or existing) is written beside
 * itself and renamed into place when complete; a path through symbolic
 * links is written the same way at the file the links lead to, so the links
 * stay. A FIFO, a character device or standard output cannot be replaced: it
 * gets the bytes front to back as a stream.
 */
export type OutputTarget = { kind: 'file'; path: string } | { kind: 'stream'; path: string };

const MAX_LINKS = 40;

export async function resolveOutput(path: string): Promise<OutputTarget> {
  if (path === STANDARD_OUTPUT) {
    if (process.stdout.isTTY) throw new UsageError('--output=- writes binary data, and standard output is a terminal: redirect it to a file or a pipe, or give --output=FILE');
    return { kind: 'stream', path };
  }
  let at = resolve(path);
  for (let hops = 0; ; ++hops) {
    const info = await lstat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw ioError(path, error, 'look at output');
    });
    if (!info) return { kind: 'file', path: at };
    if (info.isSymbolicLink()) {
      if (hops >= MAX_LINKS) throw new UsageError(`--output=${path}: too many symbolic links`);
      // A link to a file that does not exist yet creates that file.
      const existing = await realpath(at).catch(() => undefined);
      at = existing ?? resolve(dirname(at), await readlink(at));
      continue;
    }
    if (info.isFile()) return { kind: 'file', path: at };
    if (info.isFIFO() || info.isCharacterDevice()) return { kind: 'stream', path: at };
    const what = info.isDirectory() ? 'a directory' : info.isBlockDevice() ? 'a block device' : info.isSocket() ? 'a socket' : 'not a regular file';
    throw new UsageError(`--output=${path} is ${what}; paramflow writes files, FIFOs, character devices and standard output (-)`);
  }
}

/**
 * The one name of the file an output path writes: links and `..` resolved,
 * so two paths through a linked directory compare equal. For a file not
 * there yet, its directory's real path and its name.
 */
export async function outputIdentity(path: string): Promise<string> {
  const absolute = resolve(path);
  const existing = await realpath(absolute).catch(() => undefined);
  if (existing !== undefined) return existing;
  const dir = await realpath(dirname(absolute)).catch(() => dirname(absolute));
  return join(dir, basename(absolute));
}

/**
 * Writes `chunks` to a stream target front to back, with backpressure. A
 * reader that goes away early (a closed pipe) is an error naming the
 * output: what it got is not the whole file.
 */
export async function writeStream(target: OutputTarget & { kind: 'stream' }, chunks: AsyncIterable<Uint8Array>, named = target.path): Promise<void> {
  const toStdout = target.path === STANDARD_OUTPUT;
  const out: Writable = toStdout ? process.stdout : createWriteStream(target.path);
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), out, { end: !toStdout });
  } catch (error) {
    throw ioError(toStdout ? '<stdout>' : named, error, 'write');
  }
}
