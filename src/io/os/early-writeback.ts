import { callAsync, libcFunction, type AsyncFunction } from './libc.js';

const SYNC_FILE_RANGE_WRITE = 2;
/** Dirty bytes gathered before the disk is asked to start on them. */
const KICK_BYTES = 32 * 2 ** 20;

let syncFileRange: AsyncFunction | null | undefined;

/**
 * Starts writing a file's dirty pages to disk while it is still being
 * written (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so the final
 * fsync waits for the last few megabytes rather than the whole file: the
 * copy and the disk work overlap instead of running one after the other.
 * Elsewhere it does nothing and fsync does all the work, as before.
 */
export class EarlyWriteback {
  private dirty = 0;
  private inFlight: Promise<unknown> | undefined;

  constructor(private readonly fd: number) {
    syncFileRange ??= libcFunction('int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags)');
  }

  /** Records `bytes` newly written; past the threshold, starts writeback of everything dirty. */
  wrote(bytes: number): void {
    this.dirty += bytes;
    if (this.dirty < KICK_BYTES || this.inFlight || !syncFileRange) return;
    this.dirty = 0;
    // Best effort: an error here changes nothing, since fsync still follows and reports.
    this.inFlight = callAsync(syncFileRange, this.fd, 0, 0, SYNC_FILE_RANGE_WRITE)
      .catch(() => undefined)
      .finally(() => (this.inFlight = undefined));
  }

  /** Waits for a started request, so the descriptor can be flushed or closed. */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}
