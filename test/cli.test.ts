import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, spawnCli } from './helpers/cli.js';
import { cliPath, repoRoot, inTempDir } from './helpers/paths.js';

test('the binary prints help and exits 0; an unknown command exits 2', (t) => {
  const help = spawnCli(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /create .*\n.*dump/s);
  const createHelp = spawnCli(['create', '--help']);
  t.is(createHelp.code, 0);
  t.regex(createHelp.stdout, /--data=NAME=SHAPExTYPE\[=VALUE\]/);
  const unknown = spawnCli(['crate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command 'crate' \(did you mean create\?\)/);
});

const BAD_FLAGS: [string, string[], RegExp][] = [
  ['an unknown element type', ['--data=x=4096xq7'], /unhandled element type prefix in 'q7'/],
  ['a sub-byte type', ['--data=x=4096xi4'], /sub-byte/],
  ['a missing shape', ['--data=x'], /expected NAME=SHAPExTYPE/],
  ['a bad value', ['--splat=x=4xf32=abc'], /invalid f32 value 'abc'/],
  ['a zero alignment', ['--data=x=4xf32', '--alignment=0'], /--alignment=0: must be a power of two/],
  ['an alignment not a power of two', ['--data=x=4xf32', '--alignment=48'], /--alignment=48: must be a power of two/],
  ['a name declared twice', ['--data=x=4xf32', '--splat=x=4xf32'], /'x' is declared twice/],
  ['an unknown flag', ['--dtaa=x=4xf32'], /unknown flag --dtaa .*did you mean --data\?/],
  ['a splat of a 3-byte type', ['--splat=x=4xi24=000000'], /1, 2, 4, 8 or 16 bytes, not 3/],
];

for (const [title, flags, message] of BAD_FLAGS) {
  test(`create refuses ${title} with exit 2 and writes nothing`, async (t) => {
    await inTempDir(async (dir) => {
      const r = await runCli(['create', ...flags, `--output=${join(dir, 'out.irpa')}`]);
      t.is(r.code, 2);
      t.regex(r.stderr, message);
      t.is(r.stderr.trim().split('\n').length, 1);
      t.deepEqual(await readdir(dir), []);
    });
  });
}

test('create without --output exits 2 through the real binary', (t) => {
  const r = spawnCli(['create', '--data=x=4xf32']);
  t.is(r.code, 2);
  t.is(r.stderr, 'paramflow create: error: missing --output=FILE.irpa\n');
});

test('create into a missing directory is an I/O error naming the path', async (t) => {
  const r = await runCli(['create', '--data=x=4xf32', '--output=/nonexistent-dir/x.irpa']);
  t.is(r.code, 1);
  t.regex(r.stderr, /\/nonexistent-dir\/x\.irpa: cannot create output: no such file/);
});

test('create reads --flagfile, honours --quiet and prints JSON lines with --json', async (t) => {
  await inTempDir(async (dir) => {
    const flagfile = join(dir, 'flags.txt');
    await writeFile(flagfile, `# weights\n--data=w=4x4xf32=1\n\n--splat=b=4xf32=0.5\n--output=${join(dir, 'a.irpa')}\n`);
    const quiet = await runCli(['create', `--flagfile=${flagfile}`, '--quiet']);
    t.is(quiet.code, 0, quiet.stderr);
    t.is(quiet.stdout, '');
    const json = await runCli(['create', `--flagfile=${flagfile}`, `--output=${join(dir, 'b.irpa')}`, '--json']);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.deepEqual(rows.map((r) => [r.key, r.storage, r.length]), [
      ['b', 'splat', 16],
      ['w', 'data', 64],
    ]);
    t.deepEqual(await readFile(join(dir, 'a.irpa')), await readFile(join(dir, 'b.irpa')));
  });
});

test('dump --extract refuses to overwrite an input', async (t) => {
  await inTempDir(async (dir) => {
    const archive = join(dir, 'a.irpa');
    await runCli(['create', '--data=w=16xi8=3', `--output=${archive}`, '--quiet']);
    const before = await readFile(archive);
    const r = await runCli(['dump', `--parameters=${archive}`, `--extract=w=${archive}`]);
    t.is(r.code, 2);
    t.regex(r.stderr, /is also an input/);
    t.deepEqual(await readFile(archive), before);
  });
});

test('dump --extract of a 1 GiB splat runs in constant memory', async (t) => {
  await inTempDir(async (dir) => {
    const peak = async (bytes: string) => {
      const archive = join(dir, `${bytes}.irpa`);
      const out = join(dir, `${bytes}.bin`);
      const rss = join(dir, `${bytes}.rss`);
      t.is((await runCli(['create', `--splat=big=${bytes}xf32=1.5`, `--output=${archive}`, '--quiet'])).code, 0);
      const r = spawnCli(['dump', `--parameters=${archive}`, `--extract=big=${out}`], {
        env: { PARAMFLOW_RSS_OUT: rss },
        nodeArgs: ['--import', join(repoRoot, 'dist/test/helpers/report-rss.js')],
      });
      t.is(r.code, 0, r.stderr);
      const size = (await stat(out)).size;
      const head = (await readFile(out)).subarray(0, 8);
      await writeFile(out, ''); // free the disk space at once
      return { size, head, kib: Number(await readFile(rss, 'utf8')) };
    };
    const small = await peak('256'); // 1 KiB
    const big = await peak(String(256 * 1024 * 1024)); // 1 GiB
    t.is(small.size, 1024);
    t.is(big.size, 1024 ** 3);
    t.deepEqual(big.head, Buffer.from(Float32Array.of(1.5, 1.5).buffer));
    t.log(`peak RSS: 1 KiB splat ${small.kib} KiB, 1 GiB splat ${big.kib} KiB`);
    t.true(big.kib - small.kib < 64 * 1024, `1 GiB extract grew RSS by ${big.kib - small.kib} KiB`);
  });
});

test('a create stopped by SIGTERM leaves neither a partial target nor a temporary file', async (t) => {
  await inTempDir(async (dir) => {
    const target = join(dir, 'big.irpa');
    const child = spawn(process.execPath, [cliPath, 'create', `--data=w=${512 * 1024 * 1024}xf32=1`, `--output=${target}`, '--quiet']);
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    // Stop it once it is writing: its temporary file exists.
    for (let i = 0; i < 500 && !(await readdir(dir)).some((f) => f.endsWith('.partial')); ++i) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const code = await closed;
    const files = await readdir(dir);
    if (code === 0) {
      t.is((await stat(target)).size, 2 * 1024 ** 3 + 4096, 'finished before the signal: complete');
    } else {
      t.is(code, 143);
      t.deepEqual(files, [], 'nothing left behind');
    }
  });
});

test('the bundled example archive dumps with hashes', async (t) => {
  const r = await runCli(['dump', `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, '--json', '--hash']);
  t.is(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.is(rows.length, 4);
  const head = rows.find((o) => o.key === 'model.head.weight');
  // 64x16 bf16 of -1.5 (0xBFC0).
  t.is(head.sha256, createHash('sha256').update(Buffer.alloc(2048, Buffer.from([0xc0, 0xbf]))).digest('hex'));
});

test('flags: -- ends them, a one-value flag given twice is refused, help COMMAND, a bare command points to its help, --quiet everywhere', async (t) => {
  await inTempDir(async (dir) => {
    const tiny = join(repoRoot, 'examples/tiny.irpa');
    const twice = await runCli(['convert', `--parameters=${tiny}`, `--output=${join(dir, 'a.irpa')}`, `--output=${join(dir, 'b.irpa')}`]);
    t.is(twice.code, 2);
    t.regex(twice.stderr, /--output is given twice; it takes one value/);
    t.deepEqual(await readdir(dir), []);

    // After --, a job file whose name starts with dashes is an argument.
    await writeFile(join(dir, '--job.yaml'), `sources: [{ path: ${tiny} }]\nsinks: [{ irpa: { path: out.irpa } }]\n`);
    const dashed = await runCli(['run', '--quiet', '--', join(dir, '--job.yaml')]);
    t.is(dashed.code, 0, dashed.stderr);
    const relative = spawnCli(['run', '--quiet', '--', '--job.yaml'], { cwd: dir });
    t.is(relative.code, 0, relative.stderr);

    const help = await runCli(['help', 'convert']);
    t.is(help.code, 0);
    t.regex(help.stdout, /^Usage: paramflow convert /);
    const bare = await runCli(['dump']);
    t.is(bare.code, 2);
    t.regex(bare.stderr, /missing --parameters=\[SCOPE=\]FILE\nRun 'paramflow dump --help' to see its flags\.\n$/);
    const runHelp = await runCli(['run', '--help']);
    t.regex(runHelp.stdout, /irpa, safetensors, gguf, shards, tar, device/);

    for (const args of [
      ['create', '--data=w=4xf32', `--output=${join(dir, 'c.irpa')}`],
      ['convert', `--parameters=${tiny}`, `--output=${join(dir, 'd.irpa')}`],
      ['reshard', `--parameters=${tiny}`, '--shards=2', `--output=${join(dir, 'shards')}`],
      ['dump', `--parameters=${tiny}`, `--extract=model.norm.weight=${join(dir, 'norm.bin')}`],
      ['load', `--parameters=${tiny}`, '--device=host'],
      ['verify', tiny, tiny],
      ['run', join(dir, '--job.yaml')],
    ]) {
      const r = await runCli([...args, '--quiet']);
      t.is(r.code, 0, `${args[0]}: ${r.stderr}`);
      t.is(r.stdout, '', args[0]);
    }
    const priority = await runCli(['load', `--parameters=${tiny}`, '--device=host', '--priority=nothing.*', '--quiet']);
    t.regex(priority.stderr, /warning: --priority=nothing\.\* names no parameter/);
  });
});

test('numeric flags out of range are refused with the range, exit 2, before anything is read', async (t) => {
  await inTempDir(async (dir) => {
    const tiny = join(repoRoot, 'examples/tiny.irpa');
    const out = join(dir, 'o.irpa');
    const cases: [string[], RegExp][] = [
      [['create', '--data=w=4xf32', '--alignment=1099511627776', `--output=${out}`], /--alignment=1099511627776: must be at most 1073741824 bytes/],
      [['convert', `--parameters=${tiny}`, '--align=1099511627776', `--output=${out}`], /--align=1099511627776: the alignment must be at most 1073741824 bytes/],
      [['convert', `--parameters=${tiny}`, '--chunk-size=100GiB', `--output=${out}`], /--chunk-size=100GiB: must be 4KiB to 1GiB/],
      [['convert', `--parameters=${tiny}`, '--chunk-size=1', `--output=${out}`], /--chunk-size=1: must be 4KiB to 1GiB/],
      [['load', `--parameters=${tiny}`, '--device=host', '--chunk-size=64GiB'], /--chunk-size=64GiB: must be 4KiB to 1GiB/],
      [['load', `--parameters=${tiny}`, '--device=host', '--staging-buffers=100000'], /--staging-buffers=100000: must be 1 to 64/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      t.regex(r.stderr, message);
    }
    t.deepEqual(await readdir(dir), []);
    // The largest alignment costs no memory: the padding is the sized file's zeros.
    const big = await runCli(['convert', `--parameters=${tiny}`, '--align=1073741824', `--output=${out}`, '--quiet']);
    t.is(big.code, 0, big.stderr);
    const placed = await runCli(['dump', `--parameters=${out}`, '--json']);
    const offsets = placed.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => o.storage === 'data').map((o) => o.offset % 2 ** 30);
    t.deepEqual(offsets, offsets.map(() => 0));
  });
});
