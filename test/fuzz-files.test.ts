import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryType } from '../src/formats/irpa/constants.js';
import { spawnCli } from './helpers/cli.js';
import { archiveBytes } from './helpers/irpa-bytes.js';
import { inTempDir, repoRoot } from './helpers/paths.js';

/**
 * Every kind of file system object a hostile or careless user can name,
 * named in every place paramflow reads a file: each run must end, within
 * seconds, with a one-line error naming the path and exit 1 or 2 (never a
 * hang, a stack trace, or bytes read from outside an archive's directory).
 */
const KINDS: Record<string, (path: string) => Promise<void>> = {
  fifo: async (path) => void execFileSync('mkfifo', [path]),
  directory: (path) => mkdir(path),
  'character device': (path) => symlink('/dev/zero', path),
  'dangling link': (path) => symlink('nowhere', path),
  'link loop': async (path) => {
    await symlink(`${path}.b`, path);
    await symlink(path, `${path}.b`);
  },
  'link out of the directory': (path) => symlink('/etc/hostname', path),
  'empty file': (path) => writeFile(path, ''),
  'random bytes': (path) => writeFile(path, Buffer.from('\x00\xff GGUF safetensors\n'.repeat(40))),
};

/** What is no error: an external entry's file holds raw bytes, any regular one; an empty flag file adds no flags. */
const FINE = new Set(['random bytes as a external entry', 'empty file as a flag file']);

/** The places a file is read, each as the command line that reads `name` in `dir` there. */
const PLACES: Record<string, (dir: string, name: string) => Promise<string[]>> = {
  'dump input': async (dir, name) => ['dump', `--parameters=${join(dir, name)}`],
  'convert input': async (dir, name) => ['convert', `--parameters=${join(dir, name)}`, `--output=${join(dir, 'out.irpa')}`],
  'external entry': async (dir, name) => {
    const spec = { type: EntryType.External, name: 'w', metadata: undefined, path: name, range: { offset: 0, length: 4 } } as const;
    await writeFile(join(dir, 'outer.irpa'), archiveBytes([{ spec }]));
    return ['convert', `--parameters=${join(dir, 'outer.irpa')}`, `--output=${join(dir, 'out.irpa')}`];
  },
  'flag file': async (dir, name) => ['convert', `--flagfile=${join(dir, name)}`, `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, `--output=${join(dir, 'out.irpa')}`],
  'job file': async (dir, name) => ['run', join(dir, name)],
  'job source': async (dir, name) => {
    await writeFile(join(dir, 'job.yaml'), `sources: [{ path: ${name} }]\nsinks: [{ irpa: { path: out.irpa } }]\n`);
    return ['run', join(dir, 'job.yaml')];
  },
};

for (const [place, argsFor] of Object.entries(PLACES)) {
  test(`every kind of file named as a ${place} ends at once, with a typed error where it is one`, async (t) => {
    for (const [kind, make] of Object.entries(KINDS)) {
      await inTempDir(async (dir) => {
        await make(join(dir, 'named'));
        const args = await argsFor(dir, 'named');
        const started = performance.now();
        const r = spawnCli(args, { timeoutMs: 20_000, cwd: dir });
        const seconds = (performance.now() - started) / 1000;
        const what = `${kind} as a ${place}: exit ${r.code} in ${seconds.toFixed(1)} s: ${r.stderr}`;
        t.true(seconds < 10, what);
        if (FINE.has(`${kind} as a ${place}`)) return t.is(r.code, 0, what);
        t.true(r.code === 1 || r.code === 2, what);
        t.regex(r.stderr, /named/, what);
        t.notRegex(r.stderr, /\n\s+at /, what);
        if (kind === 'link out of the directory' && place === 'external entry') t.regex(r.stderr, /outside the archive's directory/, what);
        t.true(!(await readFile(join(dir, 'out.irpa')).catch(() => undefined)), `${what}: nothing written`);
      });
    }
  });
}
