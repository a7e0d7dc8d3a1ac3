import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostDevice } from '../src/device/host-device.js';
import { FileCache } from '../src/io/inputs/file-cache.js';
import { parameterChunks } from '../src/scheduler/parameter-chunks.js';
import type { Kernel } from '../src/kernels/kernel.js';
import type { Parameter } from '../src/model/parameter.js';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import { DeviceLoad } from '../src/sinks/device-loader.js';
import { writeIrpa } from '../src/sinks/irpa-writer.js';
import { writeSafetensors } from '../src/sinks/safetensors-writer.js';
import { planShardSet, writeShardSet } from '../src/sinks/shard-set-writer.js';
import { writeTarFile } from '../src/sinks/tar-writer.js';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { inTempDir, sharedDir } from './helpers/paths.js';

/**
 * A kernel used only here, to show the seam takes output of another length
 * than its input: each 3-byte unit becomes 5 bytes (the three, their sum
 * and their xor).
 */
const widen: Kernel = {
  name: 'widen 3 to 5',
  inputUnit: 3,
  outputUnit: 5,
  run(input, output) {
    for (let i = 0, o = 0; i < input.length; i += 3, o += 5) {
      const [a, b, c] = [input[i]!, input[i + 1]!, input[i + 2]!];
      output.set([a, b, c, (a + b + c) & 0xff, a ^ b ^ c], o);
    }
  },
};

const widened = (input: Uint8Array): Uint8Array => {
  const out = new Uint8Array((input.length / 3) * 5);
  widen.run(input, out);
  return out;
};

/** Three parameters: a computed one between plain ones, so computed jobs sit among shared reads. */
function parameters(path: string, units: number): Parameter[] {
  const at = (offset: number, length: number, key: string): Parameter => ({ scope: '', key, length, storage: { kind: 'data', source: { kind: 'file', path, offset } }, alignment: 0, origin: path });
  return [
    at(0, 1000, 'before'),
    { scope: '', key: 'computed', length: units * 5, storage: { kind: 'computed', kernel: widen, source: { kind: 'file', path, offset: 1000 }, sourceLength: units * 3 }, alignment: 0, origin: path },
    at(1000 + units * 3, 777, 'after'),
  ];
}

test('computed storage of another length than its source is written by every sink, in chunks cut on its units', async (t) => {
  await inTempDir(async (dir) => {
    const units = 100_003; // 300 KB in, 500 KB out: many 4 KiB chunks, none on a unit boundary by chance
    const source = randomBytes(1000 + units * 3 + 777);
    const input = join(dir, 'in.bin');
    await writeFile(input, source);
    const ps = parameters(input, units);
    const want = new Map([
      ['before', source.subarray(0, 1000)],
      ['computed', widened(source.subarray(1000, 1000 + units * 3))],
      ['after', source.subarray(1000 + units * 3)],
    ]);
    const bytesOf = async (file: string) => {
      const opened = await openSource(file);
      const data = await readFile(file);
      return new Map(opened.parameters.map((p) => [p.key, data.subarray((p.storage as { source: { offset: number } }).source.offset, (p.storage as { source: { offset: number } }).source.offset + p.length)]));
    };
    const check = (got: Map<string, Uint8Array>, what: string) => {
      for (const [key, bytes] of want) t.true(Buffer.from(got.get(key) ?? []).equals(bytes), `${what}: ${key}`);
    };
    const scheduler = () => new IoScheduler({ chunkBytes: 4096, budgetBytes: 64 * 1024 });

    await writeIrpa(join(dir, 'out.irpa'), ps, { scheduler: scheduler() });
    check(await bytesOf(join(dir, 'out.irpa')), 'IRPA');
    await writeSafetensors(join(dir, 'out.safetensors'), ps, { scheduler: scheduler(), rawDtype: 'U8' });
    check(await bytesOf(join(dir, 'out.safetensors')), 'safetensors');
    await writeShardSet(join(dir, 'set'), ps, { format: 'irpa', policy: { shards: 3 }, prefix: 'm', scheduler: scheduler() });
    const shards = await Promise.all([1, 2, 3].map((i) => bytesOf(join(dir, `set/m-0000${i}-of-00003.irpa`))));
    check(new Map(shards.flatMap((m) => [...m])), 'shard set');
    // A tar is written front to back, a chunk at a time, not through the scheduler's jobs.
    await writeTarFile(join(dir, 'out.tar'), planShardSet('', ps, { format: 'irpa', policy: { shards: 1 }, prefix: 'm' }));
    const fromTar = await openSource(join(dir, 'out.tar'));
    const files = new FileCache();
    try {
      for (const p of fromTar.parameters) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of parameterChunks(p, files, new IoScheduler())) chunks.push(Buffer.from(chunk));
        t.true(Buffer.concat(chunks).equals(want.get(p.key)!), `tar: ${p.key}`);
      }
      // Read as a stream of its own (what verify and load --verify hash), in chunks smaller than a unit's multiple.
      const chunks: Uint8Array[] = [];
      for await (const chunk of parameterChunks(ps[1]!, files, new IoScheduler(), 4096)) chunks.push(Buffer.from(chunk));
      t.true(Buffer.concat(chunks).equals(want.get('computed')!), 'parameter chunks');
    } finally {
      await files.closeAll();
    }
    // Into device memory, staged in small buffers.
    const device = new HostDevice();
    const load = new DeviceLoad(ps, device, { scheduler: scheduler(), chunkBytes: 8192, stagingBuffers: 2 });
    await load.done;
    for (const p of ps) {
      const place = load.placements.get(p.key)!;
      t.true(Buffer.from(await device.read(place.buffer, place.offset, place.length)).equals(want.get(p.key)!), `device: ${p.key}`);
    }
  });
});

test('a dry run shows each computed parameter with its kernel and the source bytes it reads', async (t) => {
  await inTempDir(async (dir) => {
    const be = join(sharedDir, 'real/gguf/bigendian/stories260K-F32-BE.gguf');
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: ${be} }]\nsinks: [{ safetensors: { path: out.safetensors } }]\n`);
    const r = await runCli(['run', join(dir, 'job.yaml'), '--dry-run']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /token_embd\.weight F32 \S+ \(byte-swap 4 of \d+ source bytes\)/);
    const json = await runCli(['run', join(dir, 'job.yaml'), '--dry-run', '--json']);
    const layout = (JSON.parse(json.stdout) as { sinks: { files: { layout: { key: string; computed?: { kernel: string } }[] }[] }[] }).sinks[0]!.files[0]!.layout;
    t.deepEqual(layout.find((e) => e.key === 'token_embd.weight')!.computed?.kernel, 'byte-swap 4');
  });
});
