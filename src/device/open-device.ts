import { UsageError } from '../errors.js';
import { withQuietStderr } from '../io/os/quiet-stderr.js';
import type { Device } from './device.js';
import { HostDevice } from './host-device.js';

export const DEVICE_BACKENDS = ['host', 'webgpu'] as const;
export type DeviceBackend = (typeof DEVICE_BACKENDS)[number];

export interface OpenDeviceOptions {
  /** Let the GPU driver's own messages through (Dawn's backend warnings); they are hidden otherwise. */
  verbose?: boolean | undefined;
}

/** Opens a device by backend name; the WebGPU bindings load only when asked for. */
export async function openDevice(backend: string, options: OpenDeviceOptions = {}): Promise<Device> {
  if (backend === 'host') return new HostDevice();
  if (backend === 'webgpu') {
    const { WebGpuDevice } = await import('./webgpu-device.js');
    return options.verbose ? WebGpuDevice.open() : withQuietStderr(() => WebGpuDevice.open());
  }
  throw new UsageError(`--device=${backend}: expected one of ${DEVICE_BACKENDS.join(', ')}`);
}
