import { fillWithPattern } from '../model/fill-pattern.js';
import type { Device, DeviceBuffer } from './device.js';

export class HostBuffer implements DeviceBuffer {
  readonly bytes: Uint8Array;
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
  }
}

/** Device memory that is host memory: for CPU runtimes, and for tests on machines without a GPU. */
export class HostDevice implements Device {
  readonly backend = 'host';
  readonly description = 'host memory';
  readonly maxBufferSize = 2 ** 31;
  readonly offsetAlignment = 64;

  createBuffer(size: number): HostBuffer {
    return new HostBuffer(size);
  }

  upload(buffer: DeviceBuffer, offset: number, bytes: Uint8Array): void {
    (buffer as HostBuffer).bytes.set(bytes, offset);
  }

  fill(buffer: DeviceBuffer, offset: number, length: number, pattern: Uint8Array): void {
    fillWithPattern((buffer as HostBuffer).bytes.subarray(offset, offset + length), pattern);
  }

  async drain(): Promise<void> {}

  async read(buffer: DeviceBuffer, offset: number, length: number): Promise<Uint8Array> {
    return (buffer as HostBuffer).bytes.slice(offset, offset + length);
  }

  destroy(): void {}
}
