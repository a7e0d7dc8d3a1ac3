import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandIO } from '../src/cli/command.js';
import { progressBar } from '../src/cli/progress.js';
import { HostDevice } from '../src/device/host-device.js';
import type { ProgressState } from '../src/scheduler/progress.js';
import { DeviceLoad } from '../src/sinks/device-loader.js';
import { planShardSet, writeShardSet } from '../src/sinks/shard-set-writer.js';
import { writeTarFile } from '../src/sinks/tar-writer.js';
import { openSource } from '../src/sources/open.js';
import { inTempDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

/** A terminal: carriage returns, line clears and newlines, as a screen shows them. */
class Terminal {
  lines: string[] = [''];
  private col = 0;
  write(text: string): void {
    for (let i = 0; i < text.length; ++i) {
      if (text.startsWith('\x1b[2K', i)) {
        this.lines[this.lines.length - 1] = '';
        i += 3;
      } else if (text[i] === '\r') this.col = 0;
      else if (text[i] === '\n') {
        this.lines.push('');
        this.col = 0;
      } else {
        const line = this.lines[this.lines.length - 1]!;
        this.lines[this.lines.length - 1] = line.slice(0, this.col) + text[i] + line.slice(this.col + 1);
        ++this.col;
      }
    }
  }
}

test('what a command prints goes above the status line, which never cuts it', async (t) => {
  const screen = new Terminal();
  const io: CommandIO = { out: (text) => screen.write(text), err: (text) => screen.write(text), interactive: true };
  const stream = { write: (text: string) => (screen.write(text), true), columns: 100 } as unknown as NodeJS.WriteStream;
  const progress = await progressBar(io, 'dump', 2 ** 30, stream);
  t.true(progress.active);
  const out = progress.above(io);
  const hashes = Array.from({ length: 5 }, (_, i) => `// \`w${i}\`: data, sha256 ${'0123456789abcdef'.repeat(4)}`);
  hashes.forEach((line, i) => {
    progress.update({ bytesDone: (i + 1) * 2 ** 27, bytesTotal: 2 ** 30, parametersDone: i + 1, parametersTotal: 5 });
    out.out(`${line}\n`);
  });
  t.deepEqual(screen.lines.slice(0, 5), hashes);
  t.regex(screen.lines[5]!, /^dump \[=+ *\] \d+% /);
  progress.stop();
  t.is(screen.lines[5], '');
});

async function model(dir: string): Promise<string> {
  const path = join(dir, 'model.safetensors');
  await writeFile(path, safetensorsFile(Array.from({ length: 12 }, (_, i) => ({ name: `w${i}`, dtype: 'U8', shape: [50_000], payload: randomBytes(50_000) }))));
  return path;
}

test('reshard reports progress, into a directory and into a tar', async (t) => {
  await inTempDir(async (dir) => {
    const { parameters } = await openSource(await model(dir));
    const states: ProgressState[] = [];
    await writeShardSet(join(dir, 'shards'), parameters, { format: 'safetensors', policy: { shards: 3 }, prefix: 'model', onProgress: (s) => states.push(s) });
    t.like(states.at(-1), { bytesDone: 600_000, bytesTotal: 600_000, parametersDone: 12, parametersTotal: 12 });
    const tar: ProgressState[] = [];
    await writeTarFile(join(dir, 'set.tar'), planShardSet('', parameters, { format: 'irpa', policy: { shards: 3 }, prefix: 'model' }), { onProgress: (s) => tar.push(s) });
    t.like(tar.at(-1), { bytesDone: 600_000, bytesTotal: 600_000, parametersDone: 12, parametersTotal: 12 });
    t.true(tar.length >= 12);
  });
});

test('load counts a large parameter\'s bytes as they land, and its first-resident time once the first parameter is whole', async (t) => {
  await inTempDir(async (dir) => {
    const { parameters } = await openSource(await model(dir));
    // A slow queue: each drain takes 30 ms, and the first parameter spans five staging buffers.
    const device = new HostDevice();
    const drain = device.drain.bind(device);
    device.drain = async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return drain();
    };
    const states: ProgressState[] = [];
    const load = new DeviceLoad(parameters, device, { chunkBytes: 10_000, stagingBuffers: 1, onProgress: (s) => states.push(s) });
    const stats = await load.done;
    t.true(states[0]!.bytesDone > 0 && states[0]!.bytesDone < 50_000, `first report at ${states[0]!.bytesDone} bytes`);
    t.is(states[0]!.parametersDone, 0);
    t.is(states.at(-1)!.bytesDone, 600_000);
    t.true(stats.firstResidentSeconds >= 0.15, `first resident at ${stats.firstResidentSeconds} s`);
  });
});
