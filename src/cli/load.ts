import { openDevice, DEVICE_BACKENDS } from '../device/open-device.js';
import { UsageError } from '../errors.js';
import { withInputs } from '../io/file-cache.js';
import type { Parameter } from '../model/parameter.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { DeviceLoad } from '../sinks/device-loader.js';
import { verifyResident } from '../sinks/verify-resident.js';
import type { Command } from './command.js';
import { requiredList, requiredString, type FlagSpec } from './flags.js';
import { loadParameterIndex } from './parameters-flag.js';
import { progressBar } from './progress.js';
import { schedulerOptions } from './shared-flags.js';
import { messages } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'An input (IRPA, GGUF, safetensors, sharded sets as one), in the global scope or in SCOPE' },
  { name: 'device', kind: 'string', value: DEVICE_BACKENDS.join('|'), help: 'Where to load: host memory, or a GPU through WebGPU' },
  { name: 'priority', kind: 'list', value: 'KEY', help: 'Load these first, in order (exact, glob or SCOPE::KEY)' },
  { name: 'verify', kind: 'bool', help: 'Read every parameter back and compare its sha256 with the source' },
  { name: 'staging-buffers', kind: 'int', value: 'N', help: 'Staging buffers in the ring (default 4); host memory used is N x chunk size' },
  { name: 'chunk-size', kind: 'string', value: 'BYTES', help: 'Size of each staging buffer (default 8MiB)' },
  { name: 'json', kind: 'bool', help: 'Print a JSON summary' },
  { name: 'quiet', kind: 'bool', help: 'Print nothing but warnings and errors' },
  { name: 'verbose', kind: 'bool', help: "Also show the GPU driver's own messages (Dawn's backend warnings)" },
];

export const load: Command = {
  name: 'load',
  summary: 'Load parameters into device memory, each usable as soon as it lands',
  usage: `paramflow load --parameters=[SCOPE=]FILE ... --device=${DEVICE_BACKENDS.join('|')} [--priority=KEY ...] [--verify] [--json]`,
  description: `Streams every parameter into device memory through a small ring of staging
buffers, packing small ones into large device buffers, filling splats on the
device, and reports throughput, time to the first parameter resident and peak
RSS. --device=webgpu uses a GPU through Dawn (or Mesa's software renderer where
there is none); --device=host loads into host memory.`,
  flags: FLAGS,
  async execute(flags, io) {
    const backend = requiredString(flags, 'device', DEVICE_BACKENDS.join('|'));
    const inputs = requiredList(flags, 'parameters', '[SCOPE=]FILE');
    const options = schedulerOptions(flags);
    const staging = flags.ints.get('staging-buffers');
    if (staging !== undefined && (staging < 1 || staging > 64)) throw new UsageError(`--staging-buffers=${staging}: must be 1 to 64`);
    return withInputs(async (files) => {
      // Priorities and --verify read parameters out of file order and twice.
      files.standardInput.keepWhole();
      const { warn, note } = messages(io, 'load', flags.bools.get('quiet'));
      const { index } = await loadParameterIndex(inputs, note, files);
      const parameters: Parameter[] = index.all();
      const device = await openDevice(backend, { verbose: flags.bools.get('verbose') });
      try {
        const total = parameters.reduce((n, p) => n + p.length, 0);
        const progress = flags.bools.get('json') || flags.bools.get('quiet') ? undefined : await progressBar(io, 'load', total);
        const load = new DeviceLoad(parameters, device, {
          scheduler: new IoScheduler(options),
          inputs: files,
          priority: flags.lists.get('priority'),
          stagingBuffers: flags.ints.get('staging-buffers'),
          chunkBytes: options.chunkBytes,
          onProgress: progress?.active ? (state) => progress.update(state) : undefined,
          warn,
        });
        const stats = await load.done.finally(() => progress?.stop());
        const verified = flags.bools.get('verify') ? await verifyResident(load, files) : undefined;
        const peakRssMiB = process.resourceUsage().maxRSS / 1024;
        const summary = {
          device: backend,
          adapter: device.description,
          parameters: stats.parameters,
          bytes: stats.bytes,
          // Both times to the same places: rounded apart, the first parameter could seem to land after the last.
          seconds: Number(stats.seconds.toFixed(4)),
          bytesPerSecond: Math.round(stats.bytes / Math.max(stats.seconds, 1e-9)),
          firstResidentSeconds: Number(stats.firstResidentSeconds.toFixed(4)),
          stagingBytes: stats.stagingBytes,
          deviceBuffers: new Set([...load.placements.values()].map((p) => p.buffer)).size,
          peakRssMiB: Math.round(peakRssMiB),
          ...(verified !== undefined ? { verified } : {}),
        };
        if (flags.bools.get('json')) io.out(`${JSON.stringify(summary)}\n`);
        else if (!flags.bools.get('quiet')) {
          const mib = (b: number) => (b / 2 ** 20).toFixed(1);
          io.out(
            `loaded ${summary.parameters} parameters, ${mib(summary.bytes)} MiB, into ${summary.deviceBuffers} buffers on ${backend} (${summary.adapter}) in ${summary.seconds} s: ${mib(summary.bytesPerSecond)} MiB/s\n` +
              `first parameter resident after ${(summary.firstResidentSeconds * 1000).toFixed(1)} ms; staging ${mib(summary.stagingBytes)} MiB; peak RSS ${summary.peakRssMiB} MiB\n` +
              (verified !== undefined ? `verified ${verified} parameters: every sha256 matches the source\n` : ''),
          );
        }
      } finally {
        device.destroy();
      }
      return 0;
    });
  },
};
