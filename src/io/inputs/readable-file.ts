/**
 * What readers of parameter files need: positioned reads of a named file.
 * A file on disk is one ({@link RandomAccessFile}); so is standard input,
 * read forward as its bytes arrive (a `StreamedInput`).
 */
export interface ReadableFile {
  /** The name used in messages (and as the parameters' source path). */
  readonly path: string;
  /** Bytes in the file; for a stream whose end has not arrived, Number.MAX_SAFE_INTEGER. */
  readonly size: number;
  /** False while the end of a stream is still to come: checks against the true end wait for it. */
  readonly sizeKnown: boolean;
  /** The OS descriptor for kernel copies, or -1 where there is none. */
  readonly fd: number;
  /** The largest read that suits this file, where that is smaller than the scheduler's chunk. */
  readonly preferredReadBytes?: number;
  /** Exactly `length` bytes at `offset`; a range past the end is a format error for `what`. */
  read(offset: number, length: number, what: string, into?: Uint8Array): Promise<Uint8Array>;
  /** One read into several buffers in order; returns the bytes read. */
  readv(buffers: Uint8Array[], offset: number): Promise<number>;
  /** `end`, or the file's size where the file ends first (a stream reads that far to know). */
  available(end: number): Promise<number>;
  /** Present on a file of paramflow's own (a spill): gives back bytes that will not be read again. */
  release?(offset: number, length: number): Promise<void>;
  close(): Promise<void>;
}
