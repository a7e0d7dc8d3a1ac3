/** Reusable buffers of one size, so steady-state copying allocates nothing. */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private created = 0;

  constructor(readonly bufferBytes: number) {}

  /** Buffers allocated so far (for tests: bounded by the budget, not by the data). */
  get allocated(): number {
    return this.created;
  }

  take(): Buffer {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    ++this.created;
    return Buffer.allocUnsafe(this.bufferBytes);
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
}
