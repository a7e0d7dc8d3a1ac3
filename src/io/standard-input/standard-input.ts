import { existsSync, fstatSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import { FormatError, UsageError } from '../../errors.js';
import { addPendingOutput, dropPendingOutput } from '../outputs/atomic-output.js';
import type { ReadableFile } from '../inputs/readable-file.js';
import { RandomAccessFile } from '../inputs/random-access-file.js';
import { widenPipe } from '../os/pipe-size.js';
import { SpillFile } from './spill-file.js';
import { StreamedInput } from './streamed-input.js';

/** What `--parameters=-` is called in messages, and the source path of its parameters. */
export const STANDARD_INPUT = '<stdin>';

/**
 * Opens the stream with its spill in a new temporary directory. Where Linux
 * can reopen a file through its descriptor (`/proc/self/fd`), the spill is
 * unlinked, and its directory removed, as soon as it is open: a process
 * killed outright (SIGKILL, out of memory) leaves nothing behind, and the
 * kernel frees the space. Elsewhere both are removed when the process ends.
 */
async function openSpilled(): Promise<{ pipe: StreamedInput; reopenAt: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'paramflow-stdin-'));
  addPendingOutput(dir);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const pipe = await StreamedInput.open(STANDARD_INPUT, 0, join(dir, 'spill'));
  const byDescriptor = `/proc/self/fd/${pipe.spillFd}`;
  if (!existsSync(byDescriptor)) return { pipe, reopenAt: pipe.spillPath };
  removeDir();
  dropPendingOutput(dir);
  process.removeListener('exit', removeDir);
  return { pipe, reopenAt: byDescriptor };
}

/**
 * Standard input, as one command or job reads it: made per command or job
 * (a FileCache owns one), so two jobs in one process never share its state.
 * Each `open()` gives a file to read and close, all of them one input
 * however often it is named. A redirected file is read in place. A pipe is
 * read forward as its bytes arrive: the headers are kept in a spill file
 * while they are parsed, then the parameters flow straight to the outputs.
 * The spill takes disk space equal to the bytes before the first parameter
 * copied (all of a tar, whose members must all be listed first), given back
 * when the process ends, however it ends.
 */
export class StandardInput {
  private stream: Promise<{ pipe: StreamedInput; reopenAt: string } | undefined> | undefined;
  /** Set by commands that read parameters more than once or out of file order (loading with priorities, verifying). */
  private wholeWanted = false;
  /** The spill file, once a tar has been read into it whole. */
  private spilled: string | undefined;
  /** Where the parameters end, and whether nothing may follow (safetensors), checked when the copy is done. */
  private expectedEnd: { end: number; exact: boolean } | undefined;
  /** What reading it as a source gave, kept so that it is read once however often it is named. */
  private parsed: Promise<unknown> | undefined;

  async open(): Promise<ReadableFile> {
    this.stream ??= (async () => {
      if (isatty(0)) throw new UsageError('--parameters=- reads standard input, which is a terminal; pipe a file or a tar into it');
      if (fstatSync(0).isFile()) return undefined;
      widenPipe(0);
      return openSpilled();
    })();
    const pipe = (await this.stream)?.pipe;
    if (!pipe) return RandomAccessFile.open('/dev/stdin', STANDARD_INPUT);
    return this.spilled ? SpillFile.open(this.spilled, STANDARD_INPUT) : pipe;
  }

  /** The first `parse()`'s result, for every caller (the source read from it). */
  once<T>(parse: () => Promise<T>): Promise<T> {
    this.parsed ??= parse();
    return this.parsed as Promise<T>;
  }

  /** Asks for it to be kept whole, for a command that reads it more than once or out of order. */
  keepWhole(): void {
    this.wholeWanted = true;
  }

  get keptWhole(): boolean {
    return this.wholeWanted;
  }

  /** Read whole into the spill (for a tar, whose members are listed before any is read), as a file on disk. */
  async spill(): Promise<RandomAccessFile> {
    const opened = await this.stream;
    if (opened && !this.spilled) {
      await opened.pipe.drain();
      this.spilled = opened.reopenAt;
    }
    return RandomAccessFile.open(this.spilled ?? '/dev/stdin', STANDARD_INPUT);
  }

  /** The headers are read: from here a piped stream passes bytes on without keeping them. */
  async indexed(end: number, exact: boolean): Promise<void> {
    const pipe = (await this.stream)?.pipe;
    if (!pipe || this.spilled) return;
    pipe.stopRetaining();
    this.expectedEnd = { end, exact };
  }

  /**
   * Reads the stream to its end once the copy is done, so that a stream cut
   * short, or one with bytes after its last parameter where the format
   * allows none, fails the write before any output appears. Nothing to do
   * when it was not read.
   */
  async finish(): Promise<void> {
    const pipe = this.stream && (await this.stream)?.pipe;
    if (!pipe || !this.expectedEnd) return;
    const size = await pipe.drain();
    if (size < this.expectedEnd.end) {
      throw new FormatError(STANDARD_INPUT, size, `stream ended after ${size} bytes; its parameters run to byte ${this.expectedEnd.end}`);
    }
    if (this.expectedEnd.exact && size > this.expectedEnd.end) {
      throw new FormatError(STANDARD_INPUT, this.expectedEnd.end, `${size - this.expectedEnd.end} bytes at the end of the stream belong to no tensor`);
    }
  }
}
