import { openDevice } from '../../device/open-device.js';
import { DeviceLoad } from '../../sinks/device-loader.js';
import { verifyResident } from '../../sinks/verify-resident.js';
import type { DeviceSinkSpec } from '../job-spec.js';
import type { SinkKind } from '../planned-sink.js';

/** Parameters loaded into a device's memory once every file is in place, read back and checked if asked. */
export const deviceSink: SinkKind<DeviceSinkSpec> = {
  keepsScopes: true,
  plan(spec, parameters) {
    return {
      kind: 'device',
      target: `${spec.backend} device`,
      parameters,
      files: [],
      outputs: [],
      bytes: parameters.reduce((n, p) => n + p.length, 0),
      says: spec.says,
      phase: 'after',
      async load({ scheduler, inputs, warn, onProgress, abort, onResident }) {
        const device = await openDevice(spec.backend, { verbose: spec.verbose });
        try {
          const { priority, stagingBuffers, chunkBytes } = spec;
          const load = new DeviceLoad(parameters, device, { scheduler, inputs, priority, stagingBuffers, chunkBytes, onProgress, warn, abort });
          // Fences are signalled in load order; a failed one is the load's failure, told by `done`.
          if (onResident) for (const [key, fence] of load.resident) fence.wait().then(() => onResident(key), () => undefined);
          const stats = await load.done;
          const verified = spec.verify ? await verifyResident(load, inputs) : undefined;
          const deviceBuffers = new Set([...load.placements.values()].map((p) => p.buffer)).size;
          return { stats, adapter: device.description, deviceBuffers, ...(verified !== undefined ? { verified } : {}) };
        } finally {
          device.destroy();
        }
      },
    };
  },
};
