import { UsageError } from '../errors.js';
import type { Device } from './device.js';
import { HostDevice } from './host-device.js';

export const DEVICE_BACKENDS = ['host', 'webgpu'] as const;
export type DeviceBackend = (typeof DEVICE_BACKENDS)[number];

/** Opens a device by backend name; the WebGPU bindings load only when asked for. */
export async function openDevice(backend: string): Promise<Device> {
  if (backend === 'host') return new HostDevice();
  if (backend === 'webgpu') return (await import('./webgpu-device.js')).WebGpuDevice.open();
  throw new UsageError(`--device=${backend}: expected one of ${DEVICE_BACKENDS.join(', ')}`);
}
