import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJob } from '../src/pipeline/load.js';
import { runJob } from '../src/pipeline/run-job.js';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import { openSource } from '../src/sources/open.js';
import { runCli, spawnCli } from './helpers/cli.js';
import { inTempDir, repoRoot, sharedDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fileHash = async (path: string) => sha256(await readFile(path));

/** Each parameter's key, length and sha256, as dump reports them. */
async function fingerprint(...paths: string[]): Promise<string[]> {
  const r = await runCli(['dump', ...paths.map((p) => `--parameters=${p}`), '--json', '--hash']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((o) => `${o.key} ${o.length} ${o.sha256}`);
}

async function runYaml(dir: string, yaml: string, ...args: string[]) {
  const job = join(dir, 'job.yaml');
  await writeFile(job, yaml);
  return runCli(['run', job, ...args]);
}

const model = () =>
  safetensorsFile(
    Array.from({ length: 24 }, (_, i) => ({ name: `layers.${i}.${i % 3 === 0 ? 'bias' : 'weight'}`, dtype: 'F32', shape: [1000 + 37 * i], payload: randomBytes(4 * (1000 + 37 * i)) })),
    { format: 'pt' },
  );

test('convert and its job file write the same bytes', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'model.safetensors'), model());
    const flags = ['--exclude=layers.3.bias', '--rename=layers.1.weight=first', '--splat=layers.2.weight=f32=1.5', '--align=*.weight=4096'];
    const cli = await runCli(['convert', `--parameters=${join(dir, 'model.safetensors')}`, ...flags, `--output=${join(dir, 'cli.irpa')}`, '--quiet']);
    t.is(cli.code, 0, cli.stderr);
    const job = await runYaml(
      dir,
      `sources: [{ path: model.safetensors }]
transforms:
  - exclude: layers.3.bias
  - rename: { layers.1.weight: first }
  - splat: layers.2.weight=f32=1.5
  - realign: "*.weight=4096"
sinks: [{ irpa: { path: job.irpa } }]
`,
      '--quiet',
    );
    t.is(job.code, 0, job.stderr);
    t.is(await fileHash(join(dir, 'job.irpa')), await fileHash(join(dir, 'cli.irpa')));
  });
});

test('create and its job file write the same bytes', async (t) => {
  await inTempDir(async (dir) => {
    const data = ['--data=w=4x1024xf32=0.5', '--data=zeros=256xi8', '--data=h=8xf16=1.5'];
    const splats = ['--splat=s=2x4096xi16=123', '--splat=z=64xf32'];
    const cli = await runCli(['create', ...data, ...splats, '--alignment=256', `--output=${join(dir, 'cli.irpa')}`, '--quiet']);
    t.is(cli.code, 0, cli.stderr);
    const list = (flags: string[]) => flags.map((f) => JSON.stringify(f.slice(f.indexOf('=') + 1))).join(', ');
    const job = await runYaml(dir, `sources:\n  - create: { data: [${list(data)}], splat: [${list(splats)}] }\nsinks: [{ irpa: { path: job.irpa, alignment: 256 } }]\n`, '--quiet');
    t.is(job.code, 0, job.stderr);
    t.is(await fileHash(join(dir, 'job.irpa')), await fileHash(join(dir, 'cli.irpa')));
  });
});

test('convert to safetensors and GGUF, and reshard, give the same bytes as their job files', async (t) => {
  await inTempDir(async (dir) => {
    const gguf = join(sharedDir, 'real/gguf/stories260K.gguf');
    for (const format of ['safetensors', 'gguf']) {
      const r = await runCli(['convert', `--parameters=${gguf}`, `--format=${format}`, '--raw-dtype=U8', `--output=${join(dir, `cli.${format}`)}`, '--quiet']);
      t.is(r.code, 0, r.stderr);
    }
    const r = await runCli(['reshard', `--parameters=${gguf}`, '--format=gguf', '--max-shard-params=16', `--output=${join(dir, 'cli-split')}`, '--prefix=stories260K']);
    t.is(r.code, 0, r.stderr);
    const job = await runYaml(
      dir,
      `sources: [{ path: ${gguf} }]
sinks:
  - safetensors: { path: job.safetensors, raw-dtype: U8 }
  - gguf: { path: job.gguf }
  - shards: { dir: job-split, format: gguf, max-shard-params: 16, prefix: stories260K }
`,
      '--quiet',
    );
    t.is(job.code, 0, job.stderr);
    for (const format of ['safetensors', 'gguf']) t.is(await fileHash(join(dir, `job.${format}`)), await fileHash(join(dir, `cli.${format}`)), format);
    const names = await readdir(join(dir, 'cli-split'));
    t.deepEqual(await readdir(join(dir, 'job-split')), names);
    for (const name of names) t.is(await fileHash(join(dir, 'job-split', name)), await fileHash(join(dir, 'cli-split', name)), name);
  });
});

test('a fan-out job reads each input byte once and each output matches its single-sink run', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'model.safetensors');
    await writeFile(input, model());
    const sinks = [
      '{ irpa: { path: full.irpa } }',
      '{ irpa: { path: ci.irpa, transforms: [{ strip: { keep: ["*.bias"] } }] } }',
      '{ shards: { dir: shards, max-shard-size: 40KiB } }',
    ];
    const job = (list: string[]) => parseJob(join(dir, 'job.yaml'), `sources: [{ path: model.safetensors }]\nsinks: [${list.join(', ')}]\n`);
    const all = await runJob(job(sinks));
    const payload = (await openSource(input)).parameters.reduce((n, p) => n + p.length, 0);
    t.is(all.bytesRead, payload, 'every byte of the payload read, none twice');
    t.true(all.bytesWritten > payload, 'and written to more than one sink');
    const together = [await fileHash(join(dir, 'full.irpa')), await fileHash(join(dir, 'ci.irpa')), ...(await Promise.all((await readdir(join(dir, 'shards'))).map((n) => fileHash(join(dir, 'shards', n)))))];
    // Each sink alone, into a fresh directory, gives the same files.
    const alone: string[] = [];
    for (const sink of sinks) {
      await inTempDir(async (other) => {
        await writeFile(join(other, 'model.safetensors'), await readFile(input));
        await runJob(parseJob(join(other, 'job.yaml'), `sources: [{ path: model.safetensors }]\nsinks: [${sink}]\n`));
        for (const name of (await readdir(other)).filter((n) => n !== 'model.safetensors').sort()) {
          if (name === 'shards') for (const n of await readdir(join(other, name))) alone.push(await fileHash(join(other, name, n)));
          else alone.push(await fileHash(join(other, name)));
        }
      });
    }
    t.deepEqual(alone.sort(), together.sort());
    t.deepEqual(await fingerprint(join(dir, 'full.irpa')), await fingerprint(input));
  });
});

test('variables come from --set, defaults, the environment and source metadata', async (t) => {
  await inTempDir(async (dir) => {
    const gguf = join(repoRoot, 'examples/tiny.gguf');
    const r = await runYaml(
      dir,
      `variables:
  dir: { env: PARAMFLOW_TEST_OUT, default: fallback }
  arch: { metadata: general.architecture }
  name: model
sources: [{ path: ${gguf} }]
sinks: [{ irpa: { path: "\${dir}/\${arch}-\${name}.irpa" } }]
`,
      '--set',
      'name=set',
      '--quiet',
    );
    t.is(r.code, 0, r.stderr);
    t.true(existsSync(join(dir, 'fallback/tinyllama-set.irpa')));
  });
});

const badJobs: [string, string, RegExp][] = [
  ['a variable that refers to itself', 'variables:\n  a: "${a}"\nsources: [{ path: m.safetensors }]\nsinks: [{ irpa: { path: "${a}.irpa" } }]\n', /job\.yaml:4:25: sinks\[0\]\.irpa\.path: \$\{a\} is '\$\{a\}', which refers to a variable; variables are not expanded inside variables/],
  ['a reference with no closing brace', 'sources: [{ path: m.safetensors }]\nsinks: [{ irpa: { path: "${out.irpa" } }]\n', /job\.yaml:2:25: sinks\[0\]\.irpa\.path: '\$\{' with no closing '\}'/],
  ['a key named __proto__', 'variables:\n  __proto__: a\nsources: [{ path: m.safetensors }]\nsinks: [{ irpa: { path: o.irpa } }]\n', /job\.yaml:2:3: a key named __proto__ is not allowed in a job file/],
  ['bad YAML', 'sources:\n  - path: [a\nsinks: x\n', /job\.yaml:3:1: bad YAML/],
  ['an unknown transform', 'sources: [{ path: m.safetensors }]\ntransforms:\n  - exlude: x\nsinks: [{ irpa: { path: o.irpa } }]\n', /job\.yaml:3:5: transforms\[0\]: unknown key 'exlude' \(did you mean exclude\?\)/],
  ['a wrong type', 'sources: [{ path: m.safetensors }]\nsinks:\n  - irpa: { path: o.irpa, alignment: lots }\n', /job\.yaml:3:38: sinks\[0\]\.irpa\.alignment: expected a number, got a string/],
  ['a missing variable', 'sources: [{ path: m.safetensors }]\nsinks:\n  - irpa: { path: "${nowhere}/o.irpa" }\n', /job\.yaml:3:19: sinks\[0\]\.irpa\.path: \$\{nowhere\} is not set/],
  ['a glob matching nothing', 'sources:\n  - path: "*.gguf"\nsinks: [{ irpa: { path: o.irpa } }]\n', /job\.yaml:2:11: sources\[0\]\.path: '\*\.gguf' matches no file/],
  ['an unknown sink', 'sources: [{ path: m.safetensors }]\nsinks:\n  - iprа: { path: o.irpa }\n', /job\.yaml:3:5: sinks\[0\]: unknown key/],
  ['a job file past the size cap', `# ${'x'.repeat(1024 * 1024)}\nsources: []\n`, /job\.yaml' is \d+ bytes, more than the 1048576-byte limit/],
  ['two sinks on one file', 'sources: [{ path: m.safetensors }]\nsinks: [{ irpa: { path: o.irpa } }, { gguf: { path: o.irpa } }]\n', /sinks\[1\] writes .*o\.irpa, as sinks\[0\] does/],
];

for (const [what, yaml, message] of badJobs) {
  test(`${what} is a usage error with its line and column, and nothing is written`, async (t) => {
    await inTempDir(async (dir) => {
      await writeFile(join(dir, 'm.safetensors'), model());
      const r = await runYaml(dir, yaml);
      t.is(r.code, 2, r.stderr);
      t.regex(r.stderr, message);
      t.deepEqual((await readdir(dir)).sort(), ['job.yaml', 'm.safetensors']);
    });
  });
}

test('a device sink loads its parameters after the files are written and verifies them', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'model.safetensors'), model());
    const r = await runYaml(
      dir,
      'sources: [{ path: model.safetensors }]\nsinks:\n  - irpa: { path: out.irpa }\n  - device: { backend: host, verify: true, priority: "layers.2*", transforms: [{ exclude: "*.bias" }] }\n',
      '--json',
    );
    t.is(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    t.is(summary.devices.length, 1);
    t.is(summary.devices[0].sink, 1);
    t.is(summary.devices[0].verified, 16, 'the 24 parameters less the 8 biases');
    t.true(existsSync(join(dir, 'out.irpa')));
  });
});

test('a tar sink holds one file, or a shard set, the same bytes as convert and reshard write', async (t) => {
  await inTempDir(async (dir) => {
    const input = join(dir, 'model.safetensors');
    await writeFile(input, model());
    const r = await runYaml(dir, 'sources: [{ path: model.safetensors }]\nsinks:\n  - tar: { path: one.tar }\n  - tar: { path: set.tar, format: safetensors, shards: 3 }\n', '--quiet');
    t.is(r.code, 0, r.stderr);
    const set = await runCli(['reshard', `--parameters=${input}`, '--format=safetensors', '--shards=3', `--output=${join(dir, 'cli-set.tar')}`]);
    t.is(set.code, 0, set.stderr);
    t.is(await fileHash(join(dir, 'set.tar')), await fileHash(join(dir, 'cli-set.tar')));
    const one = await runCli(['convert', `--parameters=${input}`, `--output=${join(dir, 'model.irpa')}`, '--quiet']);
    t.is(one.code, 0, one.stderr);
    const members = await runCli(['dump', `--parameters=${join(dir, 'one.tar')}`, '--json']);
    t.deepEqual([...new Set(members.stdout.trim().split('\n').map((l) => JSON.parse(l).scope))], ['model.irpa']);
    t.deepEqual(await fingerprint(join(dir, 'one.tar')), await fingerprint(join(dir, 'model.irpa')));
  });
});

test('--dry-run prints every output and its layout and touches nothing', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'model.safetensors'), model());
    const r = await runYaml(dir, 'sources: [{ path: model.safetensors }]\nsinks: [{ irpa: { path: out/a.irpa } }, { shards: { dir: out/s, shards: 2 } }]\n', '--dry-run', '--json');
    t.is(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    t.true(plan.dryRun);
    t.is(plan.sources[0].parameters, 24);
    t.deepEqual(plan.sinks.map((s: { kind: string; files: unknown[] }) => [s.kind, s.files.length]), [['irpa', 1], ['shards', 2]]);
    t.is(plan.sinks[0].files[0].layout.length, 24);
    t.false(existsSync(join(dir, 'out')));
  });
});

test('a failing sink leaves no output of any sink behind', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'model.irpa'), await readFile(join(repoRoot, 'examples/tiny.irpa')));
    // An IRPA input has no dtypes: safetensors output needs raw-dtype, so planning fails before writing.
    const r = await runYaml(dir, 'sources: [{ path: model.irpa }]\nsinks: [{ irpa: { path: a.irpa } }, { safetensors: { path: b.safetensors } }]\n');
    t.is(r.code, 1, r.stderr);
    t.deepEqual((await readdir(dir)).sort(), ['job.yaml', 'model.irpa']);
  });
});

test('every example job runs as it is and writes what it promises', async (t) => {
  await inTempDir(async (dir) => {
    const jobs = (await readdir(join(repoRoot, 'pipelines'))).filter((n) => n.endsWith('.yaml')).sort();
    t.deepEqual(jobs, ['gguf-to-irpa.yaml', 'quickstart.yaml', 'realign-for-device.yaml', 'reshard-safetensors.yaml', 'strip-for-ci.yaml']);
    for (const name of jobs) {
      const r = await runCli(['run', join(repoRoot, 'pipelines', name), '--set', `out=${join(dir, name)}`, '--quiet']);
      t.is(r.code, 0, `${name}: ${r.stderr}`);
    }
    const tiny = await fingerprint(join(repoRoot, 'examples/tiny.safetensors'));
    t.deepEqual(await fingerprint(join(dir, 'quickstart.yaml/model.irpa')), tiny);
    const shards = (await readdir(join(dir, 'quickstart.yaml/shards'))).map((n) => join(dir, 'quickstart.yaml/shards', n));
    t.deepEqual(await fingerprint(...shards), tiny);
    t.deepEqual(await fingerprint(join(dir, 'reshard-safetensors.yaml/model.safetensors.index.json')), tiny);
    t.deepEqual(await fingerprint(join(dir, 'realign-for-device.yaml/model.irpa')), tiny);
    t.deepEqual(
      (await fingerprint(join(dir, 'gguf-to-irpa.yaml/tinyllama.irpa'))).map((l) => l.split(' ').slice(1).join(' ')),
      tiny.map((l) => l.split(' ').slice(1).join(' ')),
    );
    const ci = await runCli(['dump', `--parameters=${join(dir, 'quickstart.yaml/model-ci.irpa')}`, '--json']);
    const storage = ci.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; storage: string });
    t.true(storage.every((p) => (p.key.includes('norm') ? p.storage === 'data' : p.storage === 'splat')));
    const stripped = await runCli(['dump', `--parameters=${join(dir, 'strip-for-ci.yaml/model-stripped.irpa')}`, '--json']);
    t.true(stripped.stdout.trim().split('\n').every((l) => JSON.parse(l).storage === 'splat'));
  });
});

test.serial('--set: an undeclared name is refused with a suggestion; a relative path given on the command line is the shell\'s', async (t) => {
  await inTempDir(async (dir) => {
    await mkdir(join(dir, 'jobs'));
    await mkdir(join(dir, 'models'));
    await copyFile(join(repoRoot, 'examples/tiny.safetensors'), join(dir, 'models/m.safetensors'));
    const job = join(dir, 'jobs/job.yaml');
    await writeFile(job, 'variables:\n  model: ../models/m.safetensors\n  out: out\nsources: [{ path: "${model}" }]\nsinks: [{ irpa: { path: "${out}/model.irpa" } }]\n');
    const typo = await runCli(['run', job, '--set', 'modle=x', '--quiet']);
    t.is(typo.code, 2);
    t.regex(typo.stderr, /--set modle: .*job\.yaml has no variable 'modle' \(did you mean model\?\)/);
    // Written in the file: against the file. Given on the command line: against the shell's directory.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      t.is((await runCli(['run', job, '--quiet'])).code, 0);
      t.true(existsSync(join(dir, 'jobs/out/model.irpa')));
      const r = await runCli(['run', job, '--set', 'model=models/m.safetensors', '--set', 'out=here', '--quiet']);
      t.is(r.code, 0, r.stderr);
      t.true(existsSync(join(dir, 'here/model.irpa')));
    } finally {
      process.chdir(cwd);
    }
    // The quick start job takes a model as the README says.
    const quick = await runCli(['run', join(repoRoot, 'pipelines/quickstart.yaml'), '--set', `model=${join(dir, 'models/m.safetensors')}`, '--set', `out=${join(dir, 'quick')}`, '--quiet']);
    t.is(quick.code, 0, quick.stderr);
    t.true(existsSync(join(dir, 'quick/model-ci.irpa')));
  });
});

test('a job whose aliases would expand to millions of values is refused within bounds: 20 s and a 256 MiB heap', async (t) => {
  await inTempDir(async (dir) => {
    const items = Array.from({ length: 50_000 }, () => 'x').join(', ');
    const refs = Array.from({ length: 999 }, () => '    - *a').join('\n');
    const job = join(dir, 'bomb.yaml');
    await writeFile(job, `variables:\n  big: &a [${items}]\nsources: [{ path: m.safetensors }]\nsinks: [{ irpa: { path: o.irpa } }]\ntransforms:\n  - exclude:\n${refs}\n`);
    const r = spawnCli(['run', job], { nodeArgs: ['--max-old-space-size=256'], timeoutMs: 20_000 });
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, /bad YAML: its aliases expand to 50001021 values, more than the 1000000 a job may hold/);
  });
});

test('scheduler options have one set of limits: a job file, the command line and the library refuse the same values, each in its own words', async (t) => {
  await inTempDir(async (dir) => {
    const tiny = join(repoRoot, 'examples/tiny.safetensors');
    const job = (options: string) => `sources: [{ path: ${tiny} }]\nsinks: [{ irpa: { path: ${join(dir, 'out.irpa')} } }]\noptions: { ${options} }\n`;
    for (const [options, flag, message] of [
      ['concurrency: 300', '--concurrency=300', /must be 1 to 256/],
      ['chunk: 100GiB', '--chunk-size=100GiB', /must be 4KiB to 1GiB/],
      ['budget: 1KiB', '--io-budget=1KiB', /must be 4KiB to 1TiB/],
    ] as const) {
      await writeFile(join(dir, 'job.yaml'), job(options));
      const fromJob = await runCli(['run', join(dir, 'job.yaml')]);
      t.is(fromJob.code, 2, options);
      t.regex(fromJob.stderr, new RegExp(`job\\.yaml:3:\\d+: options\\.${options.split(':')[0]} ${options.split(': ')[1]}: ${message.source}`), options);
      const fromFlags = await runCli(['convert', `--parameters=${tiny}`, flag, `--output=${join(dir, 'out.irpa')}`]);
      t.is(fromFlags.code, 2, flag);
      t.regex(fromFlags.stderr, new RegExp(`${flag}: ${message.source}`), flag);
    }
    t.throws(() => new IoScheduler({ concurrency: 0 }), { message: /concurrency 0: must be 1 to 256/ });
    // Once refused by the job file alone (at most 64), a concurrency of 200 is what the command line takes.
    await writeFile(join(dir, 'job.yaml'), job('concurrency: 200'));
    const r = await runCli(['run', join(dir, 'job.yaml')]);
    t.is(r.code, 0, r.stderr);
  });
});
