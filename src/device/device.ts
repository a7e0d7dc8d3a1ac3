/**
 * A device in the spirit of IREE's HAL, reduced to what loading parameters
 * needs: buffers in device memory, a queue that takes uploads and fills in
 * order, and a way to wait until everything queued is resident. Ordering
 * against host work uses the scheduler's fences; a backend only says when its
 * queue has drained.
 */
export interface DeviceBuffer {
  readonly size: number;
}

export interface Device {
  readonly backend: string;
  /** The adapter or memory it runs on, for messages. */
  readonly description: string;
  /** The largest buffer the device takes. */
  readonly maxBufferSize: number;
  /** Parameters packed into one buffer start at multiples of this. */
  readonly offsetAlignment: number;
  createBuffer(size: number): DeviceBuffer;
  /** Queues a copy of `bytes` to `offset`; `bytes` may be reused as soon as this returns. */
  upload(buffer: DeviceBuffer, offset: number, bytes: Uint8Array): void;
  /** Queues a fill of `length` bytes at `offset` with `pattern` repeated, done on the device. */
  fill(buffer: DeviceBuffer, offset: number, length: number, pattern: Uint8Array): void;
  /** Resolves once everything queued so far is resident. */
  drain(): Promise<void>;
  /** Reads bytes back to the host (for verification). */
  read(buffer: DeviceBuffer, offset: number, length: number): Promise<Uint8Array>;
  destroy(): void;
}
