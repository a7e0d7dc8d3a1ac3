import { PAGE_BYTES, pageOffsetOf } from '../io/page-offset.js';

/** A pooled buffer that hands out a view starting wherever in a page the caller needs it. */
export class PooledBuffer {
  constructor(
    private readonly bytes: Buffer,
    /** Where `bytes` starts within a page; undefined when unknown. */
    private readonly pageOffset: number | undefined,
    readonly size: number,
  ) {}

  /** `size` bytes starting at an address that is `residue` modulo the page size (anywhere, when the address is unknown). */
  at(residue: number): Buffer {
    const skip = this.pageOffset === undefined ? 0 : (((residue - this.pageOffset) % PAGE_BYTES) + PAGE_BYTES) % PAGE_BYTES;
    return this.bytes.subarray(skip, skip + this.size);
  }
}

/** Reusable buffers of one size, so steady-state copying allocates nothing. */
export class BufferPool {
  private readonly free: PooledBuffer[] = [];
  private created = 0;

  constructor(readonly bufferBytes: number) {}

  /** Buffers allocated so far (for tests: bounded by the budget, not by the data). */
  get allocated(): number {
    return this.created;
  }

  take(): PooledBuffer {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    ++this.created;
    // A page more than asked, so a view can start anywhere in a page.
    const bytes = Buffer.allocUnsafe(this.bufferBytes + PAGE_BYTES);
    return new PooledBuffer(bytes, pageOffsetOf(bytes), this.bufferBytes);
  }

  give(buffer: PooledBuffer): void {
    this.free.push(buffer);
  }
}
