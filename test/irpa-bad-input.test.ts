import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteWriter } from '../src/formats/bytes.js';
import { EntryType } from '../src/formats/irpa/constants.js';
import { runCli, spawnCli } from './helpers/cli.js';
import { archiveBytes, chainBytes, type TestEntry } from './helpers/irpa-bytes.js';
import { inTempDir } from './helpers/paths.js';

/**
 * Hostile and broken archives: each gets a one-line error naming the file,
 * the problem and the byte offset, exit status 1, quickly, with no crash.
 */
const ENTRIES: TestEntry[] = [
  { spec: { type: EntryType.Data, name: 'weight', length: 16, alignment: 64 }, payload: new Uint8Array(16).fill(7) },
  { spec: { type: EntryType.Splat, name: 'bias', length: 8, pattern: Uint8Array.of(1, 2) } },
];
const TABLE = 96; // where the builder puts the entry table
const SECOND = 96 + 80; // the second entry (76 bytes, padded to 80)

function valid(): Uint8Array {
  return archiveBytes(ENTRIES);
}

function patched(edit: (w: ByteWriter, bytes: Uint8Array) => void): Uint8Array {
  const bytes = valid();
  edit(new ByteWriter(bytes), bytes);
  return bytes;
}

interface Case {
  title: string;
  bytes: () => Uint8Array;
  offset: number;
  message: RegExp;
}

const twoArchives = () => chainBytes([ENTRIES, ENTRIES]);

const CASES: Case[] = [
  { title: 'an empty file', bytes: () => new Uint8Array(0), offset: 0, message: /file is empty/ },
  { title: 'a truncated header', bytes: () => valid().subarray(0, 40), offset: 0, message: /truncated IRPA header: needs 88 bytes, only 40/ },
  { title: 'a wrong magic', bytes: () => patched((w) => w.u8(0, 0x42)), offset: 0, message: /not an IRPA archive|unrecognized format/ },
  { title: 'an unknown major version', bytes: () => patched((w) => w.u16(4, 1)), offset: 4, message: /unsupported IRPA version 1\.0/ },
  { title: 'a header_size other than 88', bytes: () => patched((w) => w.u64(8, 96)), offset: 8, message: /header_size is 96, expected 88/ },
  { title: 'entry_count 100', bytes: () => patched((w) => w.u64(32, 100)), offset: TABLE, message: /entry_count 100 is more than an entry segment/ },
  { title: 'entry_count 2^60', bytes: () => patched((w) => w.u64(32, 2n ** 60n)), offset: 32, message: /entry_count \d+ is out of range/ },
  { title: 'entry_count 2^40', bytes: () => patched((w) => w.u64(32, 2 ** 40)), offset: TABLE, message: /entry_count 1099511627776 is more than/ },
  { title: 'an entry segment past the end of the file', bytes: () => patched((w) => w.u64(48, 1 << 20)), offset: 40, message: /entry segment .* runs past the end of the file/ },
  { title: 'a metadata segment past the end of the file', bytes: () => patched((w) => w.u64(56, 4090)), offset: 56, message: /metadata segment .* runs past the end of the file/ },
  { title: 'a storage segment past the end of the file', bytes: () => patched((w) => w.u64(72, 2 ** 50)), offset: 72, message: /storage segment .* runs past the end of the file/ },
  { title: 'a name past the metadata segment', bytes: () => patched((w) => w.u64(TABLE + 20, 1000)), offset: TABLE + 20, message: /entry 0 name .* outside the metadata segment/ },
  { title: 'data storage past the storage segment', bytes: () => patched((w) => w.u64(TABLE + 60, 4000)), offset: TABLE + 60, message: /entry 0 storage .* outside the storage segment/ },
  { title: 'an entry_size below the minimum', bytes: () => patched((w) => w.u64(TABLE, 12)), offset: TABLE, message: /entry 0 entry_size 12 is below the minimum of 76/ },
  { title: 'an entry running past the table', bytes: () => patched((w) => w.u64(SECOND, 4000)), offset: SECOND, message: /entry 1 \(entry_size 4000\) runs past the end of the entry segment/ },
  { title: 'an unknown entry type', bytes: () => patched((w) => w.u32(TABLE + 8, 7)), offset: TABLE + 8, message: /unknown entry type 7/ },
  { title: 'a splat pattern length of 3', bytes: () => patched((w) => w.u8(SECOND + 84, 3)), offset: SECOND + 84, message: /pattern_length 3 is invalid/ },
  {
    title: 'a splat length that the pattern does not divide',
    bytes: () => patched((w) => w.u64(SECOND + 60, 9)),
    offset: SECOND + 60,
    message: /splat length 9 is not a multiple of its 2-byte pattern/,
  },
  { title: 'a next_header_offset past the end', bytes: () => patched((w) => w.u64(16, 1 << 30)), offset: 16, message: /past the end of the file/ },
  { title: 'a next_header_offset off alignment', bytes: () => twoArchivesPatched((w, at) => w.u64(16, at + 8)), offset: 16, message: /not 16-byte aligned/ },
  {
    title: 'a next_header_offset chain that loops',
    bytes: () => twoArchivesPatched((w, at) => w.u64(at + 16, 2n ** 64n - BigInt(at))),
    offset: 4096 + 16,
    message: /loops back to the archive header at offset 0/,
  },
];

function twoArchivesPatched(edit: (w: ByteWriter, second: number) => void): Uint8Array {
  const { bytes, headerOffsets } = twoArchives();
  edit(new ByteWriter(bytes), headerOffsets[1]!);
  return bytes;
}

for (const c of CASES) {
  test(`dump refuses ${c.title}`, async (t) => {
    await inTempDir(async (dir) => {
      const path = join(dir, 'bad.irpa');
      await writeFile(path, c.bytes());
      const started = performance.now();
      const r = await runCli(['dump', `--parameters=${path}`]);
      const elapsed = performance.now() - started;
      t.is(r.code, 1);
      t.is(r.stdout, '');
      t.regex(r.stderr, c.message);
      t.true(r.stderr.includes(`${path}: at byte ${c.offset}:`), r.stderr);
      t.is(r.stderr.trim().split('\n').length, 1, 'one line');
      t.true(elapsed < 5000, `took ${elapsed} ms: a guard against hangs, not a timing goal`);
    });
  });
}

test('a valid two-archive chain reads both archives', async (t) => {
  await inTempDir(async (dir) => {
    const path = join(dir, 'chain.irpa');
    await writeFile(path, twoArchives().bytes);
    const r = await runCli(['dump', `--parameters=${path}`, '--json']);
    t.is(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.deepEqual(rows.map((o) => [o.key, o.offset]), [
      ['weight', 320],
      ['bias', undefined],
      ['weight', 4096 + 320],
      ['bias', undefined],
    ]);
    t.regex(r.stderr, /note: key 'weight' \(2 times\)/);
  });
});

test('external entries are read only from files in or below the archive directory', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'inside.bin'), Buffer.from('inside bytes'));
    const outside = join(dir, '..', `outside-${process.pid}.bin`);
    await writeFile(outside, Buffer.from('secret bytes'));
    t.teardown(() => rm(outside, { force: true }));
    const external = (name: string, path: string): TestEntry => ({ spec: { type: EntryType.External, name, metadata: undefined, path, range: { offset: 0, length: 6 } } });
    const archive = join(dir, 'a.irpa');
    await writeFile(archive, archiveBytes([external('ok', 'inside.bin'), external('up', `../outside-${process.pid}.bin`), external('abs', '/etc/hostname')]));
    const listing = await runCli(['dump', `--parameters=${archive}`]);
    t.is(listing.code, 0, 'listing what an archive says is harmless');
    const hashed = await runCli(['dump', `--parameters=${archive}`, '--hash']);
    t.is(hashed.code, 1);
    t.regex(hashed.stderr, /parameter 'up' of .*a\.irpa is stored in '\.\.\/outside-\d+\.bin', outside the archive's directory/);
    const converted = await runCli(['convert', `--parameters=${archive}`, '--exclude=up', `--output=${join(dir, 'out.irpa')}`]);
    t.is(converted.code, 1);
    t.regex(converted.stderr, /'abs' .* is stored in '\/etc\/hostname', outside the archive's directory/);
    const safe = await runCli(['dump', `--parameters=${archive}`, `--extract=ok=${join(dir, 'ok.bin')}`]);
    t.is(safe.code, 0, safe.stderr);
  });
});

test('external entries cannot escape through symbolic links; a name that starts with two dots is inside', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, '..inside.bin'), Buffer.from('inside bytes'));
    await symlink('/etc/hostname', join(dir, 'link.bin'));
    await symlink('/etc', join(dir, 'etc'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub/real.bin'), Buffer.from('nested bytes'));
    await symlink('real.bin', join(dir, 'sub/alias.bin'));
    const external = (name: string, path: string): TestEntry => ({ spec: { type: EntryType.External, name, metadata: undefined, path, range: { offset: 0, length: 6 } } });
    const archive = join(dir, 'a.irpa');
    await writeFile(archive, archiveBytes([external('dots', '..inside.bin'), external('file', 'link.bin'), external('dir', 'etc/hostname'), external('alias', 'sub/alias.bin')]));
    for (const [key, refused] of [['file', /'file' .* is stored in 'link\.bin -> \/etc\/hostname', outside the archive's directory/], ['dir', /'dir' .* is stored in 'etc\/hostname -> \/etc\/hostname', outside/]] as const) {
      for (const args of [['dump', `--parameters=${archive}`, `--extract=${key}=${join(dir, 'x.bin')}`], ['convert', `--parameters=${archive}`, `--include=${key}`, `--output=${join(dir, 'o.irpa')}`], ['load', `--parameters=${archive}`, `--priority=${key}`, '--device=host']]) {
        const r = await runCli(args);
        t.is(r.code, 1, `${args[0]} ${key}`);
        t.regex(r.stderr, refused);
      }
    }
    // Inside, even through a link that stays inside.
    const ok = await runCli(['convert', `--parameters=${archive}`, '--include=dots', '--include=alias', `--output=${join(dir, 'ok.irpa')}`, '--json']);
    t.is(ok.code, 0, ok.stderr);
  });
});

test('a FIFO or a device named as a file is refused at once, never waited on: inputs, external entries, flag files and job files', async (t) => {
  await inTempDir(async (dir) => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const external: TestEntry = { spec: { type: EntryType.External, name: 'e', metadata: undefined, path: 'pipe', range: { offset: 0, length: 6 } } };
    await writeFile(join(dir, 'a.irpa'), archiveBytes([external]));
    const cases: [string[], number, RegExp][] = [
      [['dump', `--parameters=${fifo}`], 1, /pipe: cannot read: a FIFO, not a regular file; to read a stream, give it as standard input \(--parameters=- < .*pipe\)/],
      [['dump', `--parameters=/dev/zero`], 1, /\/dev\/zero: cannot read: a character device/],
      [['dump', `--parameters=${join(dir, 'a.irpa')}`, '--hash'], 1, /pipe: cannot read: a FIFO/],
      [['dump', `--flagfile=/dev/zero`], 2, /--flagfile=\/dev\/zero is not a regular file/],
      [['dump', `--flagfile=${fifo}`], 2, /is not a regular file/],
      [['run', fifo], 2, /job file '.*pipe' is not a regular file/],
    ];
    for (const [args, code, message] of cases) {
      const r = spawnCli(args, { timeoutMs: 20_000 });
      t.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      t.regex(r.stderr, message);
    }
  });
});
