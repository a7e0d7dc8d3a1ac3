import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSource } from '../src/sources/open.js';
import { runCli } from './helpers/cli.js';
import { cliPath, inTempDir, sharedDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function tar(dir: string, args: string[]): Buffer {
  const r = spawnSync('tar', args, { cwd: dir, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const model = (prefix: string, n = 10) =>
  safetensorsFile(Array.from({ length: n }, (_, i) => ({ name: `${prefix}.${i}.weight`, dtype: 'F32', shape: [300 + i], payload: randomBytes(4 * (300 + i)) })));

/** A sharded checkpoint in `dir/shards`, made by paramflow's own reshard. */
async function shardedCheckpoint(dir: string): Promise<void> {
  await writeFile(join(dir, 'model.safetensors'), model('layers', 12));
  const r = await runCli(['reshard', `--parameters=${join(dir, 'model.safetensors')}`, '--format=safetensors', '--shards=3', `--output=${join(dir, 'shards')}`]);
  if (r.code !== 0) throw new Error(r.stderr);
}

test('a sharded checkpoint piped as a tar through standard input converts to the same bytes as the unpacked files', async (t) => {
  await inTempDir(async (dir) => {
    await shardedCheckpoint(dir);
    const stream = tar(dir, ['-cf', '-', 'shards']);
    const piped = spawnSync(process.execPath, [cliPath, 'convert', '--parameters=-', `--output=${join(dir, 'piped.irpa')}`, '--quiet'], { input: stream });
    t.is(piped.status, 0, String(piped.stderr));
    const direct = await runCli(['convert', `--parameters=${join(dir, 'shards/model.safetensors.index.json')}`, `--output=${join(dir, 'direct.irpa')}`, '--quiet']);
    t.is(direct.code, 0, direct.stderr);
    t.is(sha256(await readFile(join(dir, 'piped.irpa'))), sha256(await readFile(join(dir, 'direct.irpa'))));
  });
});

test("llama.cpp's GGUF split inside a tar (a file or piped) reads as one, with the bytes of the unsplit file", async (t) => {
  await inTempDir(async (dir) => {
    await mkdir(join(dir, 'split'));
    const names = [1, 2, 3].map((n) => `stories260K-0000${n}-of-00003.gguf`);
    // Members in an order other than the shards': the first shard still gathers the rest.
    for (const name of names) await copyFile(join(sharedDir, 'real/gguf/split', name), join(dir, 'split', name));
    tar(dir, ['-cf', 'split.tar', ...[names[2], names[0], names[1]].map((n) => `split/${n}`)]);
    const rows = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l)).map((o) => `${o.key} ${o.length} ${o.sha256}`).sort();
    const whole = await runCli(['dump', `--parameters=${join(sharedDir, 'real/gguf/stories260K.gguf')}`, '--json', '--hash']);
    const inTar = await runCli(['dump', `--parameters=${join(dir, 'split.tar')}`, '--json', '--hash']);
    t.is(inTar.code, 0, inTar.stderr);
    t.regex(inTar.stderr, /tar member 'split\/stories260K-00001-of-00003\.gguf': read as one with its 2 other shards/);
    t.deepEqual(rows(inTar.stdout), rows(whole.stdout));
    t.deepEqual([...new Set(inTar.stdout.trim().split('\n').map((l) => JSON.parse(l).scope))], [`split/${names[0]}`]);
    const piped = spawnSync(process.execPath, [cliPath, 'dump', '--parameters=-', '--json', '--hash'], { input: await readFile(join(dir, 'split.tar')) });
    t.is(piped.status, 0, String(piped.stderr));
    t.deepEqual(rows(String(piped.stdout)), rows(whole.stdout));

    tar(dir, ['-cf', 'gap.tar', `split/${names[0]}`, `split/${names[2]}`]);
    const gap = await runCli(['dump', `--parameters=${join(dir, 'gap.tar')}`]);
    t.is(gap.code, 1);
    t.regex(gap.stderr, /gap\.tar: at byte 512: in tar member 'split\/stories260K-00001-of-00003\.gguf': shard 2 of 3, 'split\/stories260K-00002-of-00003\.gguf', is not a GGUF member of the tar/);
  });
});

test('members of a tar file are read in place, each in a scope named as the member, or all in one scope', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'a.safetensors'), model('a'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub/b.safetensors'), model('b'));
    await writeFile(join(dir, 'README'), 'not parameters');
    await symlink('a.safetensors', join(dir, 'link.safetensors'));
    tar(dir, ['-cf', 'all.tar', 'a.safetensors', 'README', 'sub', 'link.safetensors']);
    const source = await openSource(join(dir, 'all.tar'));
    t.is(source.format, 'tar');
    t.deepEqual([...new Set(source.parameters.map((p) => p.scope))], ['a.safetensors', 'sub/b.safetensors']);
    t.true(source.notes.some((n) => n.includes("'README' is not a parameter file")));
    t.true(source.notes.some((n) => n.includes("'link.safetensors' (a link)")), 'links are never followed');
    const alone = await openSource(join(dir, 'a.safetensors'));
    const inTar = await runCli(['dump', `--parameters=${join(dir, 'all.tar')}`, '--json', '--hash']);
    const hashes = inTar.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => o.scope === 'a.safetensors').map((o) => `${o.key} ${o.sha256}`);
    const direct = await runCli(['dump', `--parameters=${join(dir, 'a.safetensors')}`, '--json', '--hash']);
    t.deepEqual(hashes, direct.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((o) => `${o.key} ${o.sha256}`));
    t.is(alone.parameters.length, 10);
    const one = await openSource(join(dir, 'all.tar'), 'model');
    t.deepEqual([...new Set(one.parameters.map((p) => p.scope))], ['model']);
  });
});

test('long member names (GNU and pax) are read whole', async (t) => {
  await inTempDir(async (dir) => {
    const long = `${'d'.repeat(90)}/${'n'.repeat(120)}.safetensors`;
    await mkdir(join(dir, 'd'.repeat(90)));
    await writeFile(join(dir, long), model('x', 2));
    for (const format of ['gnu', 'pax']) {
      tar(dir, [`--format=${format}`, '-cf', `${format}.tar`, long]);
      const source = await openSource(join(dir, `${format}.tar`));
      t.deepEqual([...new Set(source.parameters.map((p) => p.scope))], [long], format);
    }
  });
});

test('a truncated tar, and a truncated parameter file inside one, are errors naming the member; nothing is written', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'a.safetensors'), model('a'));
    await writeFile(join(dir, 'cut.safetensors'), model('c').subarray(0, 2000));
    tar(dir, ['-cf', 'whole.tar', 'a.safetensors']);
    tar(dir, ['-cf', 'inner.tar', 'cut.safetensors']);
    const whole = await readFile(join(dir, 'whole.tar'));
    await writeFile(join(dir, 'short.tar'), whole.subarray(0, 5000));
    const short = await runCli(['convert', `--parameters=${join(dir, 'short.tar')}`, `--output=${join(dir, 'out.irpa')}`]);
    t.is(short.code, 1);
    t.regex(short.stderr, /short\.tar: at byte 0: tar member 'a\.safetensors' \(\d+ bytes\) runs past the end of the file \(5000 bytes\): the tar is truncated/);
    const inner = await runCli(['convert', `--parameters=${join(dir, 'inner.tar')}`, `--output=${join(dir, 'out.irpa')}`]);
    t.is(inner.code, 1);
    t.regex(inner.stderr, /inner\.tar: at byte \d+: in tar member 'cut\.safetensors': /);
    t.false((await readdir(dir)).some((n) => n.startsWith('out.irpa') || n.includes('.partial')));
  });
});

test('reshard writes a shard set as a tar stream: extracted, it is the directory set byte for byte, and it is deterministic', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'model.safetensors'), model('layers', 12));
    const input = `--parameters=${join(dir, 'model.safetensors')}`;
    const asDir = await runCli(['reshard', input, '--format=safetensors', '--shards=3', `--output=${join(dir, 'set')}`]);
    t.is(asDir.code, 0, asDir.stderr);
    const piped = spawnSync(process.execPath, [cliPath, 'reshard', input, '--format=safetensors', '--shards=3', '--output=-'], { maxBuffer: 1 << 28 });
    t.is(piped.status, 0, String(piped.stderr));
    await mkdir(join(dir, 'extracted'));
    spawnSync('tar', ['-x', '-C', join(dir, 'extracted')], { input: piped.stdout });
    const names = (await readdir(join(dir, 'set'))).sort();
    t.deepEqual((await readdir(join(dir, 'extracted'))).sort(), names);
    for (const name of names) t.is(sha256(await readFile(join(dir, 'extracted', name))), sha256(await readFile(join(dir, 'set', name))), name);
    const file = await runCli(['reshard', input, '--format=safetensors', '--shards=3', `--output=${join(dir, 'set.tar')}`]);
    t.is(file.code, 0, file.stderr);
    t.is(sha256(await readFile(join(dir, 'set.tar'))), sha256(piped.stdout), 'a tar file and the stream are the same bytes');
    // Read back as it is: the index inside the tar brings its shards in as one.
    const back = await runCli(['dump', `--parameters=${join(dir, 'set.tar')}`, '--json', '--hash']);
    const original = await runCli(['dump', input, '--json', '--hash']);
    const hashes = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l)).map((o) => `${o.key} ${o.sha256}`);
    t.deepEqual(hashes(back.stdout), hashes(original.stdout));
    const json = await runCli(['reshard', input, '--shards=2', '--output=-', '--json']);
    t.is(json.code, 2);
  });
});

test('a tar with no members is refused as holding no header', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'empty.tar'), new Uint8Array(10240));
    const r = await runCli(['dump', `--parameters=${join(dir, 'empty.tar')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /empty\.tar: at byte 0: no header: the first 512 bytes are all zero \(as in a tar with no members\)/);
  });
});

test('a tar extended header past its cap is refused before it is read', async (t) => {
  await inTempDir(async (dir) => {
    // A GNU long-name header claiming 1 MiB of name.
    const block = new Uint8Array(512);
    block.set(new TextEncoder().encode('././@LongLink'));
    block.set(new TextEncoder().encode('0000644\0'), 100);
    block.set(new TextEncoder().encode('00004000000\0'), 124);
    block[156] = 'L'.charCodeAt(0);
    block.set(new TextEncoder().encode('ustar  \0'), 257);
    block.fill(0x20, 148, 156);
    const sum = block.reduce((n, b) => n + b, 0);
    block.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    const file = new Uint8Array(512 + (1 << 20) + 1024);
    file.set(block);
    await writeFile(join(dir, 'long.tar'), file);
    const r = await runCli(['dump', `--parameters=${join(dir, 'long.tar')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /long\.tar: at byte 0: tar extended header of 1048576 bytes is larger than the 65536-byte limit/);
  });
});

/** One ustar header block, its checksum filled in. */
function ustarHeader(name: string, size: number, type: string): Uint8Array {
  const block = new Uint8Array(512);
  const put = (at: number, text: string) => block.set(new TextEncoder().encode(text), at);
  put(0, name);
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, `${size.toString(8).padStart(11, '0')}\0`);
  put(136, '00000000000\0');
  put(156, type);
  put(257, 'ustar\x0000');
  put(148, '        ');
  const sum = block.reduce((n, b) => n + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

const padded = (bytes: Uint8Array) => {
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
  out.set(bytes);
  return out;
};

test('a pax size record gives a member\'s size (as for members of 8 GiB and more, whose header field then says 0)', async (t) => {
  await inTempDir(async (dir) => {
    const member = model('x', 3);
    const record = (text: string) => {
      // "LENGTH text\n", LENGTH counting itself.
      let length = text.length + 3;
      while (String(length).length + 1 + text.length + 1 !== length) length = String(length).length + 1 + text.length + 1;
      return `${length} ${text}\n`;
    };
    const pax = new TextEncoder().encode(record(`size=${member.length}`) + record('path=big.safetensors'));
    const bytes = Buffer.concat([ustarHeader('PaxHeaders/big', pax.length, 'x'), padded(pax), ustarHeader('big.safetensors', 0, '0'), padded(member), new Uint8Array(1024)]);
    await writeFile(join(dir, 'pax.tar'), bytes);
    const source = await openSource(join(dir, 'pax.tar'));
    t.deepEqual([...new Set(source.parameters.map((p) => p.scope))], ['big.safetensors']);
    t.is(source.parameters.length, 3);
    const bad = Buffer.concat([ustarHeader('PaxHeaders/big', 11, 'x'), padded(new TextEncoder().encode('11 size=-5\n')), ustarHeader('big', 0, '0'), new Uint8Array(1024)]);
    await writeFile(join(dir, 'bad.tar'), bad);
    const r = await runCli(['dump', `--parameters=${join(dir, 'bad.tar')}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /bad\.tar: at byte 512: pax size record '-5' is not a size/);
  });
});
