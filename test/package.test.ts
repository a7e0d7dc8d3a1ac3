import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inTempDir, repoRoot } from './helpers/paths.js';

test('the package ships the library and the command, not the tests or the benchmarks', (t) => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
  t.true(files.includes('dist/cli/main.mjs'));
  t.true(files.includes('dist/src/index.js'));
  t.true(files.includes('bin/paramflow.js'));
  t.deepEqual(files.filter((f) => f.startsWith('dist/test') || f.startsWith('dist/bench')), []);
});

test('WebGPU\'s bindings are not installed by default; --device=webgpu without them says how to add them', async (t) => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  t.is(pkg.dependencies.webgpu, undefined);
  t.is(pkg.optionalDependencies?.webgpu, undefined);
  t.deepEqual(pkg.peerDependenciesMeta.webgpu, { optional: true });
  await inTempDir(async (dir) => {
    // The command as installed, with no webgpu package anywhere above it.
    await mkdir(join(dir, 'dist'));
    await cp(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
    await cp(join(repoRoot, 'dist/cli'), join(dir, 'dist/cli'), { recursive: true });
    await cp(join(repoRoot, 'package.json'), join(dir, 'package.json'));
    const r = spawnSync(process.execPath, [join(dir, 'bin/paramflow.js'), 'load', `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, '--device=webgpu'], { encoding: 'utf8' });
    t.is(r.status, 2);
    t.regex(r.stderr, /--device=webgpu needs the 'webgpu' package .* add it with 'npm install webgpu'/);
    const host = spawnSync(process.execPath, [join(dir, 'bin/paramflow.js'), 'load', `--parameters=${join(repoRoot, 'examples/tiny.irpa')}`, '--device=host', '--quiet'], { encoding: 'utf8' });
    t.is(host.status, 0, host.stderr);
  });
});

test('the API documentation builds with no warning: every type it names is exported', (t) => {
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typedoc/bin/typedoc'), '--disableSources', '--entryPoints', 'src/index.ts', '--tsconfig', 'tsconfig.json', '--excludePrivate', '--readme', 'none', '--emit', 'none', '--treatWarningsAsErrors'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  t.is(r.status, 0, r.stdout + r.stderr);
});
