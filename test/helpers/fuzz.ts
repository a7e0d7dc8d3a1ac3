import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParamflowError } from '../../src/errors.js';
import { openSource } from '../../src/sources/open.js';

/** One way of damaging a valid file. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'overwrite'; at: number; bytes: number[] }
  | { kind: 'huge'; at: number; value: bigint };

/** Mutations of a file of `size` bytes: bit flips, truncations, random bytes, and lying u64 fields (huge counts and lengths). */
export function mutations(size: number): fc.Arbitrary<Mutation[]> {
  const at = fc.nat({ max: Math.max(0, size - 1) });
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({ kind: fc.constant('overwrite' as const), at, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('huge' as const), at, value: fc.oneof(fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, 2n ** 53n, 2n ** 40n, 2n ** 32n - 1n, 0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })) }),
  );
  return fc.array(one, { minLength: 1, maxLength: 4 });
}

export function mutate(original: Uint8Array, list: Mutation[]): Uint8Array {
  let bytes = Uint8Array.from(original);
  for (const m of list) {
    if (m.kind === 'flip' && m.at < bytes.length) bytes[m.at]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') bytes = bytes.subarray(0, Math.min(m.at, bytes.length));
    else if (m.kind === 'overwrite') m.bytes.forEach((b, i) => m.at + i < bytes.length && (bytes[m.at + i] = b));
    else if (m.kind === 'huge' && m.at + 8 <= bytes.length) new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(m.at, m.value, true);
  }
  return bytes;
}

export interface FuzzOutcome {
  parsed: number;
  refused: number;
  /** Anything else: an exception that is not a typed error, or a case past the time bound. */
  failures: string[];
}

/**
 * Opens each mutated file as a source: it must parse or be refused with a
 * typed error, within `boundMs`. Returns how the cases went.
 */
export async function fuzzSource(dir: string, name: string, original: Uint8Array, runs: number, seed: number, boundMs = 2000): Promise<FuzzOutcome> {
  const outcome: FuzzOutcome = { parsed: 0, refused: 0, failures: [] };
  const path = join(dir, name);
  await fc.assert(
    fc.asyncProperty(mutations(original.length), async (list) => {
      await writeFile(path, mutate(original, list));
      const described = JSON.stringify(list, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
      const timedOpen = async () => {
        const started = performance.now();
        const error = await openSource(path).then(() => undefined, (e: unknown) => e ?? new Error('undefined thrown'));
        return { error, ms: performance.now() - started };
      };
      const { error, ms: first } = await timedOpen();
      if (error === undefined) outcome.parsed += 1;
      else if (error instanceof ParamflowError) outcome.refused += 1;
      else outcome.failures.push(`${described}: ${(error as Error).stack}`);
      // A case past the bound is timed once more: a pause of the whole process (the machine busy) does not repeat, a slow parse does.
      const ms = first > boundMs ? (await timedOpen()).ms : first;
      if (ms > boundMs) outcome.failures.push(`${described}: took ${ms.toFixed(0)} ms`);
      return true;
    }),
    { numRuns: runs, seed },
  );
  return outcome;
}
