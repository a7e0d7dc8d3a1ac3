import test from 'ava';
import { IoScheduler } from '../src/scheduler/io-scheduler.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryType } from '../src/formats/irpa/constants.js';
import type { FileCache } from '../src/io/inputs/file-cache.js';
import { parameterChunks } from '../src/scheduler/parameter-chunks.js';
import { RandomAccessFile } from '../src/io/inputs/random-access-file.js';
import type { Parameter } from '../src/model/parameter.js';
import { writeIrpa } from '../src/sinks/irpa-writer.js';
import { irpaParameters, readIrpaArchives } from '../src/sources/irpa.js';
import { chainBytes, prng, type TestEntry } from './helpers/irpa-bytes.js';
import { inTempDir, inTempDirWithFiles } from './helpers/paths.js';

const NAME_PARTS = ['blk', 'attn', 'ättn', '注意力', '🙂', 'w\u0301', 'bias', 'weight', 'x.y.z', ' ', ''];

/** Hundreds of entries of every kind, spread over linked archives. */
function generate(seed: number, archives: number, perArchive: number): TestEntry[][] {
  const rand = prng(seed);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  let serial = 0;
  return Array.from({ length: archives }, () =>
    Array.from({ length: perArchive }, (): TestEntry => {
      const name = `${pick(NAME_PARTS)}.${serial++}.${pick(NAME_PARTS)}`;
      const metadata = rand() < 0.3 ? bytes(Math.floor(rand() * 40)) : undefined;
      const kind = rand();
      if (kind < 0.35) {
        const patternLength = pick([1, 2, 4, 8, 16]);
        return {
          spec: { type: EntryType.Splat, name, metadata, pattern: bytes(patternLength), length: patternLength * Math.floor(rand() * 1000) },
        };
      }
      if (kind < 0.85) {
        const length = rand() < 0.1 ? 0 : Math.floor(rand() * 3000);
        return {
          spec: { type: EntryType.Data, name, metadata, length, alignment: 2 ** Math.floor(rand() * 13), recordedAlignment: pick([0, 16, 64, 4096]) },
          payload: bytes(length),
        };
      }
      if (kind < 0.95) {
        return { spec: { type: EntryType.External, name, metadata, path: `weights-${serial}.bin`, range: { offset: Math.floor(rand() * 1e9), length: Math.floor(rand() * 1e6) } } };
      }
      return { spec: { type: EntryType.Skip, name, metadata } };
    }),
  );
}

async function bytesOf(p: Parameter, files: FileCache): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of parameterChunks(p, files, new IoScheduler(), 1000)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

test('generated chains of archives decode to what was encoded', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const archives = generate(7, 4, 100);
    const { bytes, headerOffsets } = chainBytes(archives);
    const path = join(dir, 'chain.irpa');
    await writeFile(path, bytes);

    const file = await RandomAccessFile.open(path);
    const decoded = await readIrpaArchives(file);
    await file.close();
    t.deepEqual(decoded.map((a) => a.headerOffset), headerOffsets);

    decoded.forEach((archive, a) => {
      t.is(archive.entries.length, archives[a]!.length);
      archive.entries.forEach((entry, i) => {
        const { spec } = archives[a]![i]!;
        t.is(entry.type, spec.type);
        t.is(entry.name, spec.name);
        t.deepEqual(entry.metadata && Buffer.from(entry.metadata), spec.metadata?.length ? Buffer.from(spec.metadata) : undefined);
        if (spec.type === EntryType.Splat && entry.type === EntryType.Splat) {
          t.is(entry.length, spec.length);
          t.deepEqual(Buffer.from(entry.pattern), Buffer.from(spec.pattern));
        }
        if (spec.type === EntryType.Data && entry.type === EntryType.Data) {
          t.is(entry.storage.length, spec.length);
          t.is(entry.minimumAlignment, spec.recordedAlignment ?? 64);
          t.is(entry.storage.offset % spec.alignment, 0);
        }
        if (spec.type === EntryType.External && entry.type === EntryType.External) {
          t.is(entry.path, spec.path);
          t.deepEqual(entry.range, spec.range);
        }
      });
    });

    // Parameters (skips dropped) read back the payloads byte for byte.
    const expected = archives.flat().filter((e) => e.spec.type !== EntryType.Skip);
    const parameters = irpaParameters(path, decoded);
    t.is(parameters.length, expected.length);
    for (const [i, p] of parameters.entries()) {
      const { spec, payload } = expected[i]!;
      if (spec.type === EntryType.Data) t.deepEqual(await bytesOf(p, files), Buffer.from(payload!));
      if (spec.type === EntryType.Splat) {
        const expanded = await bytesOf(p, files);
        t.is(expanded.length, spec.length);
        t.true(expanded.every((b, j) => b === spec.pattern[j % spec.pattern.length]));
      }
    }
  });
});

test('the writer copies a chained archive into one archive with the same parameters', async (t) => {
  await inTempDirWithFiles(async (dir, files) => {
    const archives = generate(11, 3, 60).map((a) => a.filter((e) => e.spec.type !== EntryType.External));
    const source = join(dir, 'chain.irpa');
    await writeFile(source, chainBytes(archives).bytes);
    const file = await RandomAccessFile.open(source);
    const parameters = irpaParameters(source, await readIrpaArchives(file));
    await file.close();

    const target = join(dir, 'flat.irpa');
    await writeIrpa(target, parameters);
    const flat = await RandomAccessFile.open(target);
    const decoded = await readIrpaArchives(flat);
    await flat.close();
    t.is(decoded.length, 1);
    t.is(flat.size % 4096, 0);
    const copied = irpaParameters(target, decoded);
    t.deepEqual(copied.map((p) => [p.key, p.length, p.storage.kind]), parameters.map((p) => [p.key, p.length, p.storage.kind]));
    for (const [i, p] of copied.entries()) {
      t.deepEqual(await bytesOf(p, files), await bytesOf(parameters[i]!, files));
      if (p.storage.kind === 'data' && p.length > 0) t.is((p.storage.source as { offset: number }).offset % 64, 0);
    }
    t.deepEqual(await readFile(source), Buffer.from(chainBytes(archives).bytes), 'the input is untouched');
  });
});

test('writing an archive onto its own input is refused and leaves it whole', async (t) => {
  await inTempDir(async (dir) => {
    const path = join(dir, 'self.irpa');
    const original = chainBytes(generate(3, 1, 10)).bytes;
    await writeFile(path, original);
    const file = await RandomAccessFile.open(path);
    const parameters = irpaParameters(path, await readIrpaArchives(file));
    await file.close();
    await t.throwsAsync(writeIrpa(path, parameters), { message: /is also an input/ });
    t.deepEqual(await readFile(path), Buffer.from(original));
  });
});
