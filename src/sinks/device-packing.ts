import type { Device, DeviceBuffer } from '../device/device.js';
import { DataError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';

export interface DevicePlacement {
  buffer: DeviceBuffer;
  offset: number;
  length: number;
}

/** `scope::key`, or the key alone in the global scope. */
export const residentKey = (p: { scope: string; key: string }) => (p.scope === '' ? p.key : `${p.scope}::${p.key}`);

/**
 * Places parameters in device buffers: small ones packed into arenas of
 * `arenaBytes` (or the device's largest buffer, if less) at the device's
 * offset alignment, a larger one in a buffer of its own. A parameter larger
 * than any buffer the device takes is refused with both sizes.
 */
export function packParameters(order: Parameter[], device: Device, arenaBytes: number): Map<string, DevicePlacement> {
  const placements = new Map<string, DevicePlacement>();
  const align = device.offsetAlignment;
  const arena = Math.min(device.maxBufferSize, arenaBytes);
  const arenas: { size: number; members: [Parameter, number][] }[] = [];
  const alignUp = (n: number) => Math.ceil(n / align) * align;
  let current: (typeof arenas)[number] | undefined;
  for (const p of order) {
    if (p.length > device.maxBufferSize) {
      throw new DataError(`parameter ${residentKey(p)} is ${p.length} bytes, more than the largest buffer ${device.backend} device '${device.description}' takes (${device.maxBufferSize} bytes)`);
    }
    if (p.length > arena) {
      arenas.push({ size: p.length, members: [[p, 0]] });
      continue;
    }
    const offset = current ? alignUp(current.size) : 0;
    if (!current || offset + p.length > arena) {
      current = { size: 0, members: [] };
      arenas.push(current);
      current.members.push([p, 0]);
      current.size = p.length;
    } else {
      current.members.push([p, offset]);
      current.size = offset + p.length;
    }
  }
  for (const a of arenas) {
    const buffer = device.createBuffer(Math.max(align, alignUp(a.size)));
    for (const [p, offset] of a.members) placements.set(residentKey(p), { buffer, offset, length: p.length });
  }
  return placements;
}
