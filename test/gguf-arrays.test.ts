import test from 'ava';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GgufValueType } from '../src/formats/gguf/types.js';
import { spawnCli } from './helpers/cli.js';
import { ggufHeaderOf } from './helpers/gguf-bytes.js';
import { inTempDir, repoRoot } from './helpers/paths.js';

/**
 * A GGUF file with one metadata array of `count` items whose item bytes are
 * all zero (left sparse on disk): zero integers, or empty strings. The kind
 * of file that once took 77 s and 1.5 GB for 100 MB of array, and made Node
 * abort at 400 MB.
 */
async function hugeArray(path: string, itemType: GgufValueType, itemBytes: number, count: number, littleEndian = true): Promise<number> {
  const head = Buffer.alloc(4 + 4 + 8 + 8 + 8 + 5 + 4 + 4 + 8);
  let at = head.write('GGUF', 0, 'latin1');
  const u32 = (v: number) => (at = littleEndian ? head.writeUInt32LE(v, at) : head.writeUInt32BE(v, at));
  const u64 = (v: number) => (at = littleEndian ? head.writeBigUInt64LE(BigInt(v), at) : head.writeBigUInt64BE(BigInt(v), at));
  u32(3);
  u64(0); // tensors
  u64(1); // key/values
  u64(5);
  at += head.write('array', at, 'latin1');
  u32(GgufValueType.ARRAY);
  u32(itemType);
  u64(count);
  const size = head.length + count * itemBytes;
  const file = await open(path, 'w');
  await file.write(head, 0, head.length, 0);
  await file.truncate(size);
  await file.close();
  return size;
}

/** Runs the CLI, returning its result with its wall time and peak resident set. */
function measured(args: string[], dir: string) {
  const rss = join(dir, 'rss');
  const started = process.hrtime.bigint();
  const r = spawnCli(args, { env: { PARAMFLOW_RSS_OUT: rss }, nodeArgs: ['--import', join(repoRoot, 'dist/test/helpers/report-rss.js')] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...r, seconds, mib: async () => Number(await readFile(rss, 'utf8')) / 1024 };
}

test('a 400 MB metadata array is listed and rewritten in seconds, in memory near its own size', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'huge.gguf');
    const bytes = await hugeArray(input, GgufValueType.UINT8, 1, 400_000_000);
    const dump = measured(['dump', `--parameters=${input}`, '--metadata'], dir);
    t.is(dump.code, 0, dump.stderr);
    t.regex(dump.stdout, /\[UINT8\]\s+\| 400000000 \| array = \[0, 0, 0, 0, 0, 0, 0, 0, \.\.\.\]/);
    const dumpMib = await dump.mib();
    const output = join(dir, 'out.gguf');
    const convert = measured(['convert', `--parameters=${input}`, '--format=gguf', `--output=${output}`, '--quiet'], dir);
    t.is(convert.code, 0, convert.stderr);
    const convertMib = await convert.mib();
    t.is((await stat(output)).size, bytes);
    t.log(`400 MB u8 array: dump --metadata ${dump.seconds.toFixed(1)} s, ${dumpMib.toFixed(0)} MiB; convert ${convert.seconds.toFixed(1)} s, ${convertMib.toFixed(0)} MiB`);
    // Bounds: the header must be held (400 MB), its copy is written once; nothing per item.
    t.true(dump.seconds < 20 && dumpMib < 700, `dump: ${dump.seconds} s, ${dumpMib} MiB`);
    t.true(convert.seconds < 30 && convertMib < 1200, `convert: ${convert.seconds} s, ${convertMib} MiB`);
  });
});

test('12.5 million strings (100 MB) of a big-endian file are checked, swapped and listed without an object each', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'strings.gguf');
    const count = 12_500_000;
    await hugeArray(input, GgufValueType.STRING, 8, count, false);
    const dump = measured(['dump', `--parameters=${input}`, '--metadata', '--json'], dir);
    t.is(dump.code, 0, dump.stderr);
    const listed = JSON.parse(dump.stdout) as { metadata: { gguf: { value: { count: number; first: string[] } }[] } };
    const value = listed.metadata.gguf[0]!.value;
    t.is(value.count, count);
    t.is(value.first[0], '');
    const dumpMib = await dump.mib();
    const output = join(dir, 'le.gguf');
    const convert = measured(['convert', `--parameters=${input}`, '--format=gguf', `--output=${output}`, '--quiet'], dir);
    t.is(convert.code, 0, convert.stderr);
    const header = await ggufHeaderOf(output);
    t.true(header.littleEndian);
    const array = header.kv.get('array')!.value as { length: number; bytes: Uint8Array };
    t.is(array.length, count);
    t.true(array.bytes.every((b) => b === 0));
    const convertMib = await convert.mib();
    t.log(`12.5 M strings: dump --metadata --json ${dump.seconds.toFixed(1)} s, ${dumpMib.toFixed(0)} MiB; convert ${convert.seconds.toFixed(1)} s, ${convertMib.toFixed(0)} MiB`);
    t.true(dump.seconds < 20 && dumpMib < 700, `dump: ${dump.seconds} s, ${dumpMib} MiB`);
    t.true(convert.seconds < 30 && convertMib < 700, `convert: ${convert.seconds} s, ${convertMib} MiB`);
  });
});

test('an array of 2^33 items is refused at once by the bytes it would need', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'lying.gguf');
    const file = await open(input, 'w');
    await file.close();
    await hugeArray(input, GgufValueType.INT32, 0, 2 ** 33);
    const r = measured(['dump', `--parameters=${input}`, '--metadata'], dir);
    t.is(r.code, 1);
    t.regex(r.stderr, /lying\.gguf.*: array length 8589934592 of 'array' is more than the rest of the file can hold/);
    t.true(r.seconds < 5 && (await r.mib()) < 200);
  });
});
