import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { cliPath, inTempDir, repoRoot, sharedDir } from './helpers/paths.js';

/** The README's fenced blocks of one language, in order. */
async function blocks(language: string): Promise<string[]> {
  const text = await readFile(join(repoRoot, 'README.md'), 'utf8');
  return [...text.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]!);
}

/** A shell block's command lines: continuations joined, comments and blank lines left out. */
function commandLines(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * What the README's commands take as given: the repository's examples and
 * jobs, a llama.cpp model (`model.gguf`), an adapter, another archive, and a
 * sharded checkpoint for the job example.
 */
async function fixture(dir: string): Promise<void> {
  await cp(join(repoRoot, 'examples'), join(dir, 'examples'), { recursive: true });
  await cp(join(repoRoot, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
  await cp(join(sharedDir, 'real/gguf/stories260K.gguf'), join(dir, 'model.gguf'));
  await cp(join(repoRoot, 'examples/tiny.safetensors'), join(dir, 'adapter.safetensors'));
  await cp(join(repoRoot, 'examples/tiny.irpa'), join(dir, 'more.irpa'));
  const r = await runCli(['reshard', `--parameters=${join(dir, 'model.gguf')}`, '--format=safetensors', '--shards=2', `--output=${join(dir, 'checkpoints')}`]);
  if (r.code !== 0) throw new Error(r.stderr);
  // Programs import 'paramflow' as an installed package would be found.
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules/paramflow'));
}

/** The shell the README's lines run in: paramflow as installed, npm's own steps done already, a host reached by ssh that is this one. */
const PRELUDE = `set -o pipefail
paramflow() { "${process.execPath}" "${cliPath}" "$@"; }
npx() { [ "$1" = paramflow ] && shift; paramflow "$@"; }
npm() { :; }
ssh() { shift; "$@"; }
`;

test.serial('every command line of the README runs as written', async (t) => {
  await inTempDir(async (dir) => {
    await fixture(dir);
    let count = 0;
    for (const block of await blocks('sh')) {
      for (const line of commandLines(block)) {
        const r = spawnSync('bash', ['-c', `${PRELUDE}${line}`], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
        t.is(r.status, 0, `${line}\n${r.stderr}`);
        ++count;
      }
    }
    t.true(count >= 20, `${count} command lines`);
    // What the lines say they do.
    t.is(spawnSync('cmp', ['model.gguf', 'again.gguf'], { cwd: dir }).status, 0, 'GGUF through safetensors and IRPA is the same file');
    const listing = spawnSync('bash', ['-c', `${PRELUDE}paramflow dump --parameters=split/model-00001-of-00003.gguf --json`], { cwd: dir, encoding: 'utf8' });
    t.is(listing.stdout.trim().split('\n').length, 48);

    // The job file, as written, beside the checkpoint it names.
    const [yaml] = await blocks('yaml');
    await writeFile(join(dir, 'job.yaml'), yaml!);
    const job = await runCli(['run', join(dir, 'job.yaml'), '--quiet']);
    t.is(job.code, 0, job.stderr);
    const arch = await runCli(['dump', `--parameters=${join(dir, 'build/llama.irpa')}`, '--json']);
    t.regex(arch.stdout, /"key":"layers\.0\.attn_q\.weight"/);

    // The programs, in order, as a user's own module would run them.
    for (const [i, program] of (await blocks('js')).entries()) {
      const file = join(dir, `example-${i}.mjs`);
      await writeFile(file, program);
      const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
      t.is(r.status, 0, `program ${i + 1}:\n${program}\n${r.stderr}`);
    }
  });
});
