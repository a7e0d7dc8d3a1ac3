import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { jobEvents, type JobEvent } from '../src/pipeline/job-events.js';
import type { JobSpec, SinkSpec } from '../src/pipeline/job-spec.js';
import { runCli } from './helpers/cli.js';
import { inTempDir } from './helpers/paths.js';
import { safetensorsFile } from './helpers/safetensors-bytes.js';

const says = { name: 'test sink', tensorMetadata: 'tensorMetadata' };

/** A job built in code: one source file and the given sinks, small chunks so a write takes many jobs. */
const jobOf = (path: string, sinks: SinkSpec[]): JobSpec => ({
  sources: [{ kind: 'files', refs: [{ path, scope: '' }] }],
  complete: () => ({ sinks, scheduler: { chunkBytes: 64 * 1024, budgetBytes: 256 * 1024, concurrency: 1 }, sync: false }),
});

async function model(dir: string, tensors: number, bytesEach: number): Promise<string> {
  const path = join(dir, 'model.safetensors');
  await writeFile(path, safetensorsFile(Array.from({ length: tensors }, (_, i) => ({ name: `w${i}`, dtype: 'U8', shape: [bytesEach], payload: randomBytes(bytesEach) }))));
  return path;
}

test('a job as an event stream: its plan, rising progress, its outputs published, each device parameter resident, then its result', async (t) => {
  await inTempDir(async (dir) => {
    const path = await model(dir, 8, 256 * 1024);
    const output = join(dir, 'out.irpa');
    const events = await lastValueFrom(
      jobEvents(jobOf(path, [{ kind: 'file', format: 'irpa', path: output, options: {}, says }, { kind: 'device', backend: 'host', priority: ['w7'], verify: true, says }])).pipe(toArray()),
    );
    const types = events.map((e) => e.type);
    t.is(types[0], 'plan');
    t.is(types.at(-1), 'done');
    const published = types.indexOf('published');
    t.true(published > 0 && types.slice(published + 1).every((type) => type === 'resident' || type === 'progress' || type === 'done'), types.join(' '));
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.state] : []));
    t.true(progress.length > 1);
    t.true(progress.every((s, i) => i === 0 || s.bytesDone >= progress[i - 1]!.bytesDone), 'progress only rises');
    t.is(progress.at(-1)!.bytesDone, progress.at(-1)!.bytesTotal, 'every sink together: the file and the device');
    t.deepEqual((events[published] as Extract<JobEvent, { type: 'published' }>).targets, [output]);
    const resident = events.flatMap((e) => (e.type === 'resident' ? [e.key] : []));
    t.is(resident[0], 'w7', 'the priority first');
    t.deepEqual([...resident].sort(), Array.from({ length: 8 }, (_, i) => `w${i}`).sort());
    const done = events.at(-1) as Extract<JobEvent, { type: 'done' }>;
    t.is(done.result.devices[0]!.verified, 8);
    // The same bytes as the command writes.
    const reference = join(dir, 'reference.irpa');
    t.is((await runCli(['convert', `--parameters=${path}`, `--output=${reference}`, '--quiet'])).code, 0);
    t.true((await readFile(output)).equals(await readFile(reference)));
  });
});

test('unsubscribing from a job cancels it: no write starts after, and no output or temporary file is left', async (t) => {
  await inTempDir(async (dir) => {
    const path = await model(dir, 16, 1024 * 1024);
    const before = await readdir(dir);
    const file = join(dir, 'out.safetensors');
    const shards = join(dir, 'shards');
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = jobEvents(
        jobOf(path, [
          { kind: 'file', format: 'safetensors', path: file, options: {}, says },
          { kind: 'shards', format: 'irpa', dir: shards, policy: { shards: 4 }, options: {}, force: false, says },
        ]),
      ).subscribe({
        next(event) {
          seen.push(event.type);
          // A few chunks in, of the 32 MiB the two sinks write.
          if (event.type === 'progress' && event.state.bytesDone > 512 * 1024) {
            subscription.unsubscribe();
            // The job winds down on its own; give it time to throw its temporaries away.
            setTimeout(resolve, 500);
          }
        },
        error: reject,
        complete: () => reject(new Error('the job ran to its end')),
      });
    });
    t.false(seen.includes('published'));
    t.deepEqual((await readdir(dir)).sort(), before.sort(), 'nothing but the input');
  });
});
