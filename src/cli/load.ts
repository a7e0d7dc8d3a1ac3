import { DEVICE_BACKENDS, type DeviceBackend } from '../device/open-device.js';
import { UsageError } from '../errors.js';
import type { DeviceSinkSpec, JobSpec } from '../pipeline/job-spec.js';
import type { Command } from './command.js';
import { requiredList, requiredString, type FlagSpec } from './flags.js';
import { parseParameterFlag } from './parameters-flag.js';
import { COMMAND_SINK, runCommandJob } from './command-job.js';
import { EDIT_FLAGS, editOperator } from './edit-flags.js';
import { schedulerOptions } from './shared-flags.js';
import { messages as messagesOf } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'An input (IRPA, GGUF, safetensors, sharded sets as one), in the global scope or in SCOPE' },
  ...EDIT_FLAGS,
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
there is none); --device=host loads into host memory. convert's edits apply on
the way (--cast=f16 casts in the staging ring, before the upload).`,
  flags: FLAGS,
  async execute(flags, io) {
    const backend = requiredString(flags, 'device', DEVICE_BACKENDS.join('|'));
    const inputs = requiredList(flags, 'parameters', '[SCOPE=]FILE');
    const options = schedulerOptions(flags);
    const staging = flags.ints.get('staging-buffers');
    if (staging !== undefined && (staging < 1 || staging > 64)) throw new UsageError(`--staging-buffers=${staging}: must be 1 to 64`);
    const quiet = flags.bools.get('json') || flags.bools.get('quiet');
    const sink: DeviceSinkSpec = {
      kind: 'device',
      backend: backend as DeviceBackend,
      priority: flags.lists.get('priority') ?? [],
      verify: flags.bools.get('verify') ?? false,
      stagingBuffers: staging,
      chunkBytes: options.chunkBytes,
      verbose: flags.bools.get('verbose'),
      says: COMMAND_SINK,
    };
    // Priorities and --verify read parameters out of file order and twice.
    const messages = messagesOf(io, 'load', flags.bools.get('quiet'));
    // Every rule is checked before any file is read.
    const body = { transforms: editOperator(flags, messages.warn), sinks: [sink], scheduler: options, sync: true };
    const job: JobSpec = { sources: [{ kind: 'files', refs: inputs.map(parseParameterFlag) }], rereadsInputs: true, complete: () => body };
    const result = await runCommandJob(io, 'load', job, { ...messages, progress: !quiet });
    const { stats, adapter, deviceBuffers, verified } = result.devices[0]!;
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    const summary = {
      device: backend,
      adapter,
      parameters: stats.parameters,
      bytes: stats.bytes,
      // Both times to the same places: rounded apart, the first parameter could seem to land after the last.
      seconds: Number(stats.seconds.toFixed(4)),
      bytesPerSecond: Math.round(stats.bytes / Math.max(stats.seconds, 1e-9)),
      firstResidentSeconds: Number(stats.firstResidentSeconds.toFixed(4)),
      stagingBytes: stats.stagingBytes,
      deviceBuffers,
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
    return 0;
  },
};
