import { PlaceableBuffer } from '../io/os/placeable-buffer.js';

/** Reusable buffers of one size, so steady-state copying allocates nothing. */
export class BufferPool {
  private readonly free: PlaceableBuffer[] = [];
  private created = 0;

  constructor(
    readonly bufferBytes: number,
    private readonly options: { shared?: boolean } = {},
  ) {}

  /** Buffers allocated so far (for tests: bounded by the budget, not by the data). */
  get allocated(): number {
    return this.created;
  }

  take(): PlaceableBuffer {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    ++this.created;
    return PlaceableBuffer.allocate(this.bufferBytes, this.options);
  }

  give(buffer: PlaceableBuffer): void {
    this.free.push(buffer);
  }
}
