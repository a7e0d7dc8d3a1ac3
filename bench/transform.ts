/**
 * Payload transforms against a plain convert and against numpy, in one run
 * on the same file (warm page cache, no flush): `convert --cast=bf16` and
 * `--cast=f16` of f32 safetensors beside the plain convert, and beside numpy
 * doing the same cast over the same file (`astype(np.float16)`; bf16 by
 * rounding the bit pattern), each tensor read from a memory map and written
 * to an output file. Goals: a cast within 1.3x of the plain convert, faster
 * than numpy, peak RSS under 256 MiB; `--quantize=q8_0` to GGUF within 2x of
 * the plain convert. Prints throughput per core (GB of input a second,
 * divided by the cores the kernel threads use).
 *
 *   npm run build && node dist/bench/transform.js [SIZE_GIB=2] [--dir=DIR] [--runs=3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { best, cli, flag, makeSafetensors, rss, timed, warm, type Timing } from './lib.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizeGiB = Number(args[0] ?? 2);
const runs = Number(flag('runs') ?? 3);
/** The kernel threads a transform uses (the kernel pool's size). */
const cores = Math.min(16, availableParallelism());

const NUMPY_CAST = `
import json, struct, sys
import numpy as np
src, dst, to = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, 'rb') as f:
    n = struct.unpack('<Q', f.read(8))[0]
    header = json.loads(f.read(n))
data = np.memmap(src, dtype=np.uint8, mode='r', offset=8 + n)
with open(dst, 'wb') as out:
    for key, t in header.items():
        if key == '__metadata__': continue
        a = data[t['data_offsets'][0]:t['data_offsets'][1]].view('<f4')
        if to == 'f16':
            out.write(a.astype(np.float16).tobytes())
        else:
            u = a.view('<u4').astype(np.uint64)
            out.write(((u + 0x7fff + ((u >> 16) & 1)) >> 16).astype('<u2').tobytes())
`;

const dir = await mkdtemp(join(flag('dir') ?? tmpdir(), 'paramflow-bench-'));
try {
  const input = join(dir, 'model.safetensors');
  // Matrices of 4096-element rows: a bare --quantize takes them (it leaves 1-D tensors).
  const size = await makeSafetensors(input, sizeGiB * 2 ** 30, 300, 4096);
  const script = join(dir, 'cast.py');
  await writeFile(script, NUMPY_CAST);
  warm(input);
  const output = join(dir, 'out.safetensors');
  const clean = () => void spawnSync('rm', ['-f', output]);
  const convert = (...flags: string[]) => () => timed([process.execPath, cli, 'convert', `--parameters=${input}`, `--output=${output}`, '--quiet', '--no-sync', ...flags]);
  const numpy = (to: string) => () => timed(['python3', script, input, output, to]);

  const plain = best(runs, convert(), clean);
  const rows: [string, Timing, string, Timing, string][] = [
    ['convert --cast=bf16', best(runs, convert('--cast=bf16'), clean), 'plain convert', plain, '1.30x'],
    ['convert --cast=f16', best(runs, convert('--cast=f16'), clean), 'plain convert', plain, '1.30x'],
  ];
  const gguf = join(dir, 'out.gguf');
  const quantize = () => timed([process.execPath, cli, 'convert', `--parameters=${input}`, `--output=${gguf}`, '--quiet', '--no-sync', '--quantize=q8_0']);
  rows.push(['convert --quantize=q8_0', best(runs, quantize, () => void spawnSync('rm', ['-f', gguf])), 'plain convert', plain, '2.00x']);
  rows.push(['convert --cast=bf16', rows[0]![1], 'numpy bf16 rounding', best(runs, numpy('bf16'), clean), '1.00x']);
  rows.push(['convert --cast=f16', rows[1]![1], 'numpy astype(float16)', best(runs, numpy('f16'), clean), '1.00x']);

  console.log(`input: ${(size / 2 ** 30).toFixed(2)} GiB f32 safetensors, 300 matrices of 4096-element rows; best of ${runs}; warm page cache; no flush`);
  console.log(`plain convert: ${plain.seconds.toFixed(2)} s, ${rss(plain)}; ${cores} kernel threads`);
  console.log(`${'case'.padEnd(22)} ${'time'.padStart(7)} ${'against'.padEnd(24)} ${'time'.padStart(7)} ${'ratio'.padStart(6)} ${'goal'.padStart(6)} ${'GB/s/core'.padStart(10)} ${'RSS'.padStart(8)}`);
  for (const [name, ours, peer, theirs, goal] of rows) {
    console.log(
      `${name.padEnd(22)} ${ours.seconds.toFixed(2).padStart(6)}s ${peer.padEnd(24)} ${theirs.seconds.toFixed(2).padStart(6)}s ${(ours.seconds / theirs.seconds).toFixed(2).padStart(5)}x ${goal.padStart(6)} ${(size / 1e9 / ours.seconds / cores).toFixed(2).padStart(10)} ${rss(ours).padStart(8)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
