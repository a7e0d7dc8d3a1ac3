import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryType } from '../src/formats/irpa/constants.js';
import { pumpToFile, type PumpFailure } from '../src/io/standard-input/pump.js';
import { isSlowShift, PAGE_BYTES, pageOffsetOf } from '../src/io/os/page-offset.js';
import { StreamedInput } from '../src/io/standard-input/streamed-input.js';
import { readSafetensorsHeader } from '../src/sources/safetensors.js';
import { ggufFile } from './helpers/gguf-bytes.js';
import { watchCopies } from './helpers/watch-copies.js';
import { archiveBytes } from './helpers/irpa-bytes.js';
import { cliPath, inTempDir, repoRoot } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const tensors = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `layers.${i}.weight`, dtype: 'F32', shape: [1000 + i], payload: randomBytes(4 * (1000 + i)) }));

/** Runs the CLI with `input` piped to its standard input (or a file as its standard input). */
function piped(args: string[], input: Uint8Array | { fd: number }) {
  const r = spawnSync(process.execPath, [cliPath, ...args], 'fd' in input ? { stdio: [input.fd, 'pipe', 'pipe'] } : { input });
  return { code: r.status, stderr: String(r.stderr) };
}

const formats: [string, () => Uint8Array][] = [
  ['safetensors', () => safetensorsFile(tensors(20))],
  ['GGUF', () => ggufFile({ tensors: Array.from({ length: 12 }, (_, i) => ({ name: `t${i}`, dims: [256 + i * 8], typeId: 0, payload: randomBytes(4 * (256 + i * 8)) })) })],
  ['IRPA', () => archiveBytes(Array.from({ length: 9 }, (_, i) => ({ spec: { type: EntryType.Data, name: `p${i}`, length: 999 + i, alignment: 64 }, payload: randomBytes(999 + i) })))],
];

for (const [name, make] of formats) {
  test(`a bare ${name} file piped through standard input converts to the same bytes as the file itself`, async (t) => {
    await inTempDir(async (dir) => {
      const bytes = make();
      await writeFile(join(dir, 'model'), bytes);
      const r = piped(['convert', '--parameters=-', `--output=${join(dir, 'piped.irpa')}`, '--quiet'], bytes);
      t.is(r.code, 0, r.stderr);
      t.is(spawnSync(process.execPath, [cliPath, 'convert', `--parameters=${join(dir, 'model')}`, `--output=${join(dir, 'direct.irpa')}`, '--quiet']).status, 0);
      t.deepEqual(await readFile(join(dir, 'piped.irpa')), await readFile(join(dir, 'direct.irpa')));
    });
  });
}

test('standard input named twice is read once, into both scopes, hashes and extracts too; a redirected file is read in place', async (t) => {
  await inTempDir(async (dir) => {
    const bytes = safetensorsFile(tensors(4));
    await writeFile(join(dir, 'model.safetensors'), bytes);
    const twice = spawnSync(process.execPath, [cliPath, 'dump', '--parameters=a=-', '--parameters=b=-', '--json', '--hash'], { input: bytes, encoding: 'utf8' });
    t.is(twice.status, 0, twice.stderr);
    const rows = twice.stdout.trim().split('\n').map((line) => JSON.parse(line) as { scope: string; sha256: string });
    t.deepEqual(rows.map((r) => r.scope), ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
    t.deepEqual(rows.slice(4).map((r) => r.sha256), rows.slice(0, 4).map((r) => r.sha256), 'each scope is hashed from the one stream');
    // Extracts come after the listing and in the order asked: from a pipe, out of the stream's order.
    const extract = piped(['dump', '--parameters=-', '--hash', `--extract=layers.3.weight=${join(dir, 'w3.bin')}`, `--extract=layers.0.weight=${join(dir, 'w0.bin')}`], bytes);
    t.is(extract.code, 0, extract.stderr);
    t.is((await readFile(join(dir, 'w0.bin'))).length, 4000);
    t.is((await readFile(join(dir, 'w3.bin'))).length, 4012);
    const file = await open(join(dir, 'model.safetensors'), 'r');
    try {
      const redirected = piped(['convert', '--parameters=-', `--output=${join(dir, 'redirected.irpa')}`, '--quiet'], { fd: file.fd });
      t.is(redirected.code, 0, redirected.stderr);
    } finally {
      await file.close();
    }
    t.is(spawnSync(process.execPath, [cliPath, 'convert', `--parameters=${join(dir, 'model.safetensors')}`, `--output=${join(dir, 'direct.irpa')}`, '--quiet']).status, 0);
    t.deepEqual(await readFile(join(dir, 'redirected.irpa')), await readFile(join(dir, 'direct.irpa')));
  });
});

test('loading from a pipe keeps the stream whole: priorities and --verify read out of order and twice', (t) => {
  const bytes = safetensorsFile(tensors(5));
  const r = spawnSync(process.execPath, [cliPath, 'load', '--parameters=-', '--device=host', '--priority=layers.4.weight', '--verify', '--json'], { input: bytes, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.is(JSON.parse(r.stdout.trim().split('\n').at(-1)!).parameters, 5);
});

test('a piped stream cut short, or with bytes after its last tensor, fails naming <stdin> and the byte, and writes nothing', async (t) => {
  await inTempDir(async (dir) => {
    const bytes = safetensorsFile(tensors(6));
    const output = join(dir, 'out.irpa');
    const cut = piped(['convert', '--parameters=-', `--output=${output}`, '--quiet'], bytes.subarray(0, bytes.length - 100));
    t.is(cut.code, 1);
    t.regex(cut.stderr, /<stdin>: at byte \d+: stream ended/);
    const excluded = piped(['convert', '--parameters=-', '--exclude=layers.5.weight', `--output=${output}`, '--quiet'], bytes.subarray(0, bytes.length - 100));
    t.is(excluded.code, 1, 'a cut in a parameter nobody copies is still found');
    t.regex(excluded.stderr, /stream ended after \d+ bytes/);
    const trailing = piped(['convert', '--parameters=-', `--output=${output}`, '--quiet'], Buffer.concat([bytes, Buffer.from('junk')]));
    t.is(trailing.code, 1);
    t.regex(trailing.stderr, new RegExp(`<stdin>: at byte ${bytes.length}: 4 bytes at the end of the stream belong to no tensor`));
    t.false(existsSync(output));
  });
});

/** `bytes` written into a FIFO in `dir` while `read` reads them as a stream, spilling into `dir/spill`. */
async function throughFifo(dir: string, bytes: Uint8Array, read: (stream: StreamedInput) => Promise<void>): Promise<void> {
  const fifo = join(dir, 'pipe');
  spawnSync('mkfifo', [fifo]);
  const writing = writeFile(fifo, bytes);
  const reader = await open(fifo, 'r');
  const stream = await StreamedInput.open('<pipe>', reader.fd, join(dir, 'spill'));
  try {
    await read(stream);
  } finally {
    await stream.dispose();
    await reader.close();
    await writing;
  }
}

test('a stream keeps only its header: parameters are read forward from the pipe, and a read behind it is refused', async (t) => {
  await inTempDir(async (dir) => {
    const list = tensors(8);
    const bytes = safetensorsFile(list);
    await throughFifo(dir, bytes, async (stream) => {
      const header = await readSafetensorsHeader(stream);
      stream.stopRetaining();
      t.is(stream.spilledBytes, header.dataOffset, 'the spill holds the header and nothing else');
      t.false(stream.sizeKnown);
      for (const [i, tensor] of header.tensors.entries()) {
        if (i === 2) continue; // skipped bytes are passed over
        const got = await stream.read(header.dataOffset + tensor.begin, tensor.end - tensor.begin, tensor.name);
        t.deepEqual(Buffer.from(got), list[i]!.payload);
      }
      await t.throwsAsync(stream.read(header.dataOffset + header.tensors[2]!.begin, 4, 'a passed tensor'), { message: /a stream is read once, in order/ });
      t.deepEqual(Buffer.from(await stream.read(0, 8, 'the header, again')), Buffer.from(bytes.subarray(0, 8)));
      t.is(await stream.drain(), bytes.length);
      t.true(stream.sizeKnown);
      t.is(stream.spilledBytes, header.dataOffset);
    });
  });
});

test('a stream kept whole is pumped into its spill on a thread of its own, after the bytes already taken', async (t) => {
  await inTempDir(async (dir) => {
    const bytes = randomBytes(3 << 20);
    await throughFifo(dir, bytes, async (stream) => {
      t.deepEqual(Buffer.from(await stream.read(0, 1000, 'a header')), bytes.subarray(0, 1000));
      t.is(await stream.drain(), bytes.length);
      t.is(stream.spilledBytes, bytes.length);
      t.true((await readFile(join(dir, 'spill'))).equals(bytes));
    });
    const failure = await pumpToFile(999_999, 999_998, 0).catch((f: PumpFailure) => f);
    t.like(failure, { done: 0, stage: 'read' });
    t.is((failure as PumpFailure).error.code, 'EBADF');
  });
});

test.serial('bytes a stream passes over are spilled from buffers lined up with the file: no write in the slow window', async (t) => {
  if (pageOffsetOf(Buffer.alloc(1)) === undefined) return t.pass('addresses cannot be learnt on this system');
  await inTempDir(async (dir) => {
    // Takes of 4,100 bytes: over the four skip buffers the stream's position comes to every
    // multiple of 16 modulo a page, so a buffer left where the allocator put it would meet
    // positions 1 to 31 bytes past it.
    const step = PAGE_BYTES + 4;
    const bytes = randomBytes(4 * (PAGE_BYTES / 16) * step);
    const slow: string[] = [];
    const restore = watchCopies((kind, shift, length) => {
      if (kind === 'write' && isSlowShift(shift)) slow.push(`${length} bytes, shift ${shift % PAGE_BYTES}`);
    });
    try {
      await throughFifo(dir, bytes, async (stream) => {
        for (let end = step; end <= bytes.length; end += step) await stream.available(end);
        t.is(await stream.drain(), bytes.length);
      });
    } finally {
      restore();
    }
    t.true((await readFile(join(dir, 'spill'))).equals(bytes));
    t.deepEqual(slow.slice(0, 5), []);
  });
});

test('a run killed outright while it spills standard input leaves no spill behind', async (t) => {
  await inTempDir(async (dir) => {
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    // A tar is spilled whole before any member is read: 64 MiB of a 1 GiB member, then the kill.
    const header = Buffer.alloc(512);
    header.write('big.safetensors', 0);
    header.write('0000644\0', 100);
    header.write(`${(1024 ** 3).toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\x0000', 257);
    header.write('        ', 148);
    header.write(`${header.reduce((sum, b) => sum + b, 0).toString(8).padStart(6, '0')}\0 `, 148);
    const child = spawn(process.execPath, [cliPath, 'convert', '--parameters=-', `--output=${join(dir, 'out.irpa')}`], { env: { ...process.env, TMPDIR: tmp }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin.on('error', () => undefined);
    const write = (bytes: Uint8Array) => new Promise((resolve) => child.stdin.write(bytes, resolve));
    await write(header);
    for (let i = 0; i < 64; ++i) await write(Buffer.alloc(1024 * 1024));
    t.is(child.exitCode, null, `still reading: ${stderr}`);
    child.kill('SIGKILL');
    await closed;
    t.deepEqual(await readdir(tmp), [], 'nothing left in the temporary directory');
  });
});

test('two jobs in one process keep their inputs apart: one finishing does not wait on the standard input another is reading', async (t) => {
  await inTempDir(async (dir) => {
    const streamed = safetensorsFile(tensors(40));
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: ${join(repoRoot, 'examples/tiny.safetensors')} }]\nsinks: [{ irpa: { path: b.irpa } }]\n`);
    // A, a job built in code, reads standard input as a stream; B, a job file of files, runs to its end meanwhile.
    await writeFile(
      join(dir, 'two.mjs'),
      `const pf = await import(${JSON.stringify(join(repoRoot, 'dist/src/index.js'))});
const sink = { kind: 'file', format: 'safetensors', path: ${JSON.stringify(join(dir, 'a.safetensors'))}, options: {}, says: { name: 'a.safetensors', tensorMetadata: '' } };
const a = pf.executeJob({ sources: [{ kind: 'files', refs: [{ path: '-', scope: '' }] }], complete: () => ({ sinks: [sink], scheduler: {}, sync: false }) });
await pf.runJob(await pf.loadJob(${JSON.stringify(join(dir, 'job.yaml'))}));
console.log('B done');
await a;
console.log('A done');`,
    );
    const child = spawn(process.execPath, [join(dir, 'two.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise((resolve) => child.on('close', resolve));
    const cut = streamed.length - 1000;
    child.stdin.write(streamed.subarray(0, cut));
    // B must finish while A's stream is still open.
    for (let i = 0; i < 200 && !stdout.includes('B done') && child.exitCode === null; ++i) await new Promise((r) => setTimeout(r, 50));
    t.true(stdout.includes('B done'), `B finished while standard input was still open: ${stderr}`);
    child.stdin.end(streamed.subarray(cut));
    await closed;
    t.true(stdout.includes('A done'), stderr);
    await writeFile(join(dir, 'streamed.safetensors'), streamed);
    const same = spawnSync(process.execPath, [cliPath, 'verify', join(dir, 'streamed.safetensors'), join(dir, 'a.safetensors')], { encoding: 'utf8' });
    t.is(same.status, 0, same.stdout);
  });
});
