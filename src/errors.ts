/**
 * Typed errors. Every failure a user can cause is one of these, so the CLI can
 * print one clear line and pick the exit status: 1 for bad data or failed I/O,
 * 2 for bad usage (flags, job files).
 */
export abstract class ParamflowError extends Error {
  abstract readonly exitCode: 1 | 2;
  /** Several problems found at once (a job file's), one line each; else the message is the one line. */
  problems?: string[];
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed input bytes: names the file and the byte offset where it applies. */
export class FormatError extends ParamflowError {
  readonly exitCode = 1;
  constructor(
    readonly file: string,
    readonly offset: number | bigint | undefined,
    readonly detail: string,
  ) {
    super(offset === undefined ? `${file}: ${detail}` : `${file}: at byte ${offset}: ${detail}`);
  }
}

/** A file that could not be opened, read or written. */
export class IoError extends ParamflowError {
  readonly exitCode = 1;
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly code?: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A request that cannot be carried out with the data given (missing key, bad splat size). */
export class DataError extends ParamflowError {
  readonly exitCode = 1;
}

/** Bad flags or arguments. */
export class UsageError extends ParamflowError {
  readonly exitCode = 2;

  /** Every problem found, each reported on a line of its own. */
  static all(problems: string[]): UsageError {
    const error = new UsageError(problems.join('\n'));
    error.problems = problems;
    return error;
  }
}

/** Wraps a Node system error into an IoError naming the file. */
export function ioError(file: string, error: unknown, action: string): IoError {
  const e = error as NodeJS.ErrnoException;
  const reason =
    e?.code === 'ENOENT'
      ? 'no such file'
      : e?.code === 'EACCES' || e?.code === 'EPERM'
        ? 'permission denied'
        : e?.code === 'EISDIR'
          ? 'is a directory'
          : e?.code === 'ENOSPC'
            ? 'no space left on device'
            : e?.code === 'EIO'
              ? 'input/output error (the disk or the filesystem failed)'
              : e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE'
                ? 'the reader closed the pipe before the output was complete'
                : (e?.message ?? String(error));
  return new IoError(file, `cannot ${action}: ${reason}`, e?.code);
}
