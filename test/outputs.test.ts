import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, spawnCli } from './helpers/cli.js';
import { cliPath, inTempDir, repoRoot } from './helpers/paths.js';

const tiny = join(repoRoot, 'examples/tiny.safetensors');

/** The bytes convert writes to a regular file, to compare other targets with. */
async function reference(dir: string, format = 'irpa'): Promise<Buffer> {
  const path = join(dir, `reference.${format}`);
  const r = await runCli(['convert', `--parameters=${tiny}`, `--format=${format}`, `--output=${path}`, '--quiet']);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFile(path);
}

test('an output through a symbolic link is written at the file it leads to, and the link stays', async (t) => {
  await inTempDir(async (dir) => {
    const want = await reference(dir);
    await mkdir(join(dir, 'real'));
    await writeFile(join(dir, 'real/model.irpa'), 'old');
    await symlink('real/model.irpa', join(dir, 'link.irpa'));
    const r = await runCli(['convert', `--parameters=${tiny}`, `--output=${join(dir, 'link.irpa')}`, '--quiet']);
    t.is(r.code, 0, r.stderr);
    t.true((await lstat(join(dir, 'link.irpa'))).isSymbolicLink());
    t.is(await readlink(join(dir, 'link.irpa')), 'real/model.irpa');
    t.true((await readFile(join(dir, 'real/model.irpa'))).equals(want));
    // A link to a file not there yet makes that file.
    await symlink('real/new.irpa', join(dir, 'dangling.irpa'));
    t.is((await runCli(['convert', `--parameters=${tiny}`, `--output=${join(dir, 'dangling.irpa')}`, '--quiet'])).code, 0);
    t.true((await lstat(join(dir, 'dangling.irpa'))).isSymbolicLink());
    t.true((await readFile(join(dir, 'real/new.irpa'))).equals(want));
  });
});

test('a FIFO gets the file front to back, in every format, and stays a FIFO', async (t) => {
  await inTempDir(async (dir) => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const format of ['irpa', 'safetensors', 'gguf']) {
      const want = await reference(dir, format);
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      reader.stdout.on('data', (c: Buffer) => chunks.push(c));
      const done = new Promise((resolve) => reader.on('close', resolve));
      const r = await runCli(['convert', `--parameters=${tiny}`, `--format=${format}`, `--output=${fifo}`, '--quiet']);
      await done;
      t.is(r.code, 0, r.stderr);
      t.true(Buffer.concat(chunks).equals(want), format);
      t.true((await stat(fifo)).isFIFO());
    }
  });
});

test('--output=- writes the file to standard output; a character device is written, never replaced', async (t) => {
  await inTempDir(async (dir) => {
    const want = await reference(dir, 'gguf');
    const out = execFileSync(process.execPath, [cliPath, 'convert', `--parameters=${tiny}`, '--format=gguf', '--output=-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.true(out.equals(want));
    const dev = spawnCli(['convert', `--parameters=${tiny}`, '--output=/dev/null', '--quiet']);
    t.is(dev.code, 0, dev.stderr);
    t.true((await stat('/dev/null')).isCharacterDevice());
  });
});

test('a reader that closes the pipe early fails the command; a terminal or a directory is refused before any work', async (t) => {
  await inTempDir(async (dir) => {
    const big = join(dir, 'big.irpa');
    t.is((await runCli(['create', '--data=w=4194304xf32=1.5', `--output=${big}`, '--quiet'])).code, 0);
    for (const command of [`convert --parameters=${big} --output=-`, `reshard --parameters=${big} --shards=2 --output=-`]) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cliPath}" ${command} | head -c 10 > /dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
      t.is(r.stdout.trim(), '1', `${command}: ${r.stderr}`);
      t.regex(r.stderr, /<stdout>: cannot write: the reader closed the pipe before the output was complete/);
    }
    const directory = await runCli(['convert', `--parameters=${tiny}`, `--output=${dir}`]);
    t.is(directory.code, 2);
    t.regex(directory.stderr, /is a directory/);

    const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      for (const args of [['convert', `--parameters=${tiny}`, '--output=-'], ['reshard', `--parameters=${tiny}`, '--shards=2', '--output=-']]) {
        const r = await runCli(args);
        t.is(r.code, 2, args[0]);
        t.regex(r.stderr, /standard output is a terminal/);
      }
    } finally {
      if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });
});

test('a published output\'s directory is flushed too; --no-sync (and a job\'s sync: false) flushes nothing', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: ${tiny} }]\nsinks: [{ irpa: { path: job.irpa } }]\n`);
    await writeFile(join(dir, 'scratch.yaml'), `sources: [{ path: ${tiny} }]\nsinks: [{ irpa: { path: scratch.irpa } }]\noptions: { sync: false }\n`);
    const out = join(dir, 'out.irpa');
    // The file's own flush is the first; the second is its directory's.
    const failing = { PARAMFLOW_FAILPOINTS: 'sync=EIO@1' };
    const convert = spawnCli(['convert', `--parameters=${tiny}`, `--output=${out}`, '--quiet'], { env: failing });
    t.is(convert.code, 1);
    t.regex(convert.stderr, /out\.irpa: cannot flush its directory: input\/output error/);
    const noFlush = { PARAMFLOW_FAILPOINTS: 'sync=EIO@0' };
    for (const args of [
      ['convert', `--parameters=${tiny}`, `--output=${out}`, '--quiet', '--no-sync'],
      ['reshard', `--parameters=${tiny}`, '--shards=2', `--output=${join(dir, 'shards')}`, '--no-sync'],
      ['run', join(dir, 'job.yaml'), '--quiet', '--no-sync'],
      ['run', join(dir, 'scratch.yaml'), '--quiet'],
    ]) {
      const r = spawnCli(args, { env: noFlush });
      t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    t.is(spawnCli(['run', join(dir, 'job.yaml'), '--quiet'], { env: noFlush }).code, 1);
  });
});

test('two outputs that are one file, through a linked directory or two names, are refused before anything is written', async (t) => {
  await inTempDir(async (dir) => {
    await mkdir(join(dir, 'out'));
    await symlink('out', join(dir, 'alias'));
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: ${tiny} }]\nsinks:\n  - irpa: { path: out/model.irpa }\n  - irpa: { path: alias/model.irpa }\n`);
    const job = await runCli(['run', join(dir, 'job.yaml'), '--quiet']);
    t.is(job.code, 2);
    t.regex(job.stderr, /sinks\[1\] writes .*out\/model\.irpa, as sinks\[0\] does/);
    const irpa = join(repoRoot, 'examples/tiny.irpa');
    const extract = await runCli(['dump', `--parameters=${irpa}`, `--extract=model.norm.weight=${join(dir, 'out/a.bin')}`, `--extract=model.norm.bias=${join(dir, 'alias/a.bin')}`]);
    t.is(extract.code, 2);
    t.regex(extract.stderr, /are one file; give each parameter its own/);
    t.deepEqual(await readdir(join(dir, 'out')), []);
  });
});

test('an existing output keeps its mode, a write-protected one is not replaced, and a name of 255 bytes can be written', async (t) => {
  await inTempDir(async (dir) => {
    const out = join(dir, 'model.irpa');
    await writeFile(out, 'old');
    await chmod(out, 0o640);
    t.is((await runCli(['convert', `--parameters=${tiny}`, `--output=${out}`, '--quiet'])).code, 0);
    t.is((await stat(out)).mode & 0o777, 0o640);
    await chmod(out, 0o444);
    const before = await readFile(out);
    const r = await runCli(['convert', `--parameters=${tiny}`, `--format=gguf`, `--output=${out}`, '--quiet']);
    t.is(r.code, 2);
    t.regex(r.stderr, /model\.irpa is write-protected \(mode 0444\); make it writable or remove it first/);
    t.deepEqual(await readFile(out), before);
    // The temporary name beside a 255-byte name is shortened, and still cleaned up.
    const long = join(dir, `${'n'.repeat(250)}.irpa`);
    const written = await runCli(['convert', `--parameters=${tiny}`, `--output=${long}`, '--quiet']);
    t.is(written.code, 0, written.stderr);
    t.deepEqual((await readdir(dir)).filter((n) => n.includes('partial')), []);
  });
});

test('a temporary output being written in another PID namespace is left alone; once its writer is gone, the next run removes it', async (t) => {
  if (spawnSync('flock', ['--version']).status !== 0) return t.pass('no flock(1) here');
  await inTempDir(async (dir) => {
    // A pid that no process here has (past pid_max): what a writer in another namespace looks like from here.
    const runs = [
      { partial: '.out.irpa.999999999-0badc0de.partial', args: ['convert', `--parameters=${tiny}`, `--output=${join(dir, 'out.irpa')}`, '--quiet'] },
      { partial: '.set.999999999-0badc0de.partial', args: ['reshard', `--parameters=${tiny}`, `--output=${join(dir, 'set')}`, '--max-shard-size=1MiB', '--force', '--quiet'] },
    ];
    for (const { partial, args } of runs) {
      const path = join(dir, partial);
      if (partial.includes('set')) await mkdir(path);
      else await writeFile(path, 'being written');
      const holder = spawn('flock', ['--exclusive', '--close', path, 'sleep', '60'], { detached: true, stdio: 'ignore' });
      while (spawnSync('flock', ['--nonblock', '--shared', path, 'true']).status === 0) await new Promise((r) => setTimeout(r, 20));
      t.is((await runCli(args)).code, 0);
      t.true((await readdir(dir)).includes(partial), `${partial}: its writer holds its lock`);
      const gone = new Promise((resolve) => holder.on('close', resolve));
      process.kill(-holder.pid!, 'SIGKILL');
      await gone;
      t.is((await runCli(args)).code, 0);
      t.false((await readdir(dir)).includes(partial), `${partial}: removed once its lock is free`);
    }
  });
});
