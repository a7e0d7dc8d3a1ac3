import { createHash } from 'node:crypto';
import { safetensorsDtypeOf } from '../formats/dtypes.js';
import { FileCache } from '../io/inputs/file-cache.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { parameterChunks } from '../scheduler/parameter-chunks.js';
import { littleEndian } from '../model/byte-order.js';
import type { Parameter } from '../model/parameter.js';
import { applyEdits } from '../transforms/apply-edits.js';
import { flattenScopes } from '../transforms/flatten-scopes.js';
import type { Command } from './command.js';
import type { FlagSpec } from './flags.js';
import { loadParameterIndex } from './parameters-flag.js';
import { printable } from './printable.js';
import { noProgress, progressBar, type Progress } from './progress.js';

const FLAGS: FlagSpec[] = [
  { name: 'json', kind: 'bool', help: 'Print the result as one JSON object: same, counts and every difference' },
  { name: 'quiet', kind: 'bool', help: 'Print nothing; the exit status says whether they are the same' },
];

const DESCRIPTION = `Compares the parameters of two sets of files in any formats (a file, a
safetensors index, the first shard of a GGUF split, a tar): the same keys, and
for each the same dtype, shape and sha256 of its bytes (splats expanded, a
big-endian GGUF's payloads as they are written out, little-endian). Scopes are
flattened as convert flattens them. Exit status 0 when the same, 1 when not,
with each difference listed.`;

/** One parameter as compared: its dtype in one spelling across formats, and its bytes' hash once taken. */
interface Side {
  parameter: Parameter;
  dtype: string | undefined;
}

export type Difference =
  | { key: string; kind: 'only-in-a' }
  | { key: string; kind: 'only-in-b' }
  | { key: string; kind: 'dtype' | 'shape' | 'length' | 'bytes'; a: unknown; b: unknown };

async function sideOf(path: string, inputs: FileCache): Promise<Map<string, Side>> {
  const { index } = await loadParameterIndex([path], undefined, inputs);
  const parameters = await applyEdits(index.all(), flattenScopes());
  return new Map(parameters.map((p) => [p.key, { parameter: p, dtype: p.tensor && (safetensorsDtypeOf(p.tensor.dtype) ?? p.tensor.dtype) }]));
}

async function sha256(p: Parameter, files: FileCache, scheduler: IoScheduler, progress: Progress, state: { bytesDone: number; bytesTotal: number; parametersDone: number; parametersTotal: number }): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of parameterChunks(littleEndian(p), files, scheduler)) {
    hash.update(chunk);
    state.bytesDone += chunk.length;
    progress.update(state);
  }
  return hash.digest('hex');
}

/** Every difference between two sets of parameters, keys of A first in A's order, then keys only in B. */
async function compare(a: Map<string, Side>, b: Map<string, Side>, progress: Progress, files: FileCache): Promise<Difference[]> {
  const differences: Difference[] = [];
  const scheduler = new IoScheduler();
  const both = [...a.keys()].filter((k) => b.has(k));
  const state = { bytesDone: 0, bytesTotal: both.reduce((n, k) => n + 2 * a.get(k)!.parameter.length, 0), parametersDone: 0, parametersTotal: both.length };
  for (const [key, x] of a) {
    const y = b.get(key);
    if (!y) {
      differences.push({ key, kind: 'only-in-a' });
      continue;
    }
    const [p, q] = [x.parameter, y.parameter];
    if (x.dtype !== undefined && y.dtype !== undefined && x.dtype !== y.dtype) differences.push({ key, kind: 'dtype', a: x.dtype, b: y.dtype });
    if (p.tensor && q.tensor && p.tensor.shape.join() !== q.tensor.shape.join()) differences.push({ key, kind: 'shape', a: p.tensor.shape, b: q.tensor.shape });
    if (p.length !== q.length) differences.push({ key, kind: 'length', a: p.length, b: q.length });
    else {
      const [ha, hb] = [await sha256(p, files, scheduler, progress, state), await sha256(q, files, scheduler, progress, state)];
      if (ha !== hb) differences.push({ key, kind: 'bytes', a: ha, b: hb });
    }
    state.parametersDone += 1;
  }
  for (const key of b.keys()) if (!a.has(key)) differences.push({ key, kind: 'only-in-b' });
  return differences;
}

function describe(difference: Difference): string {
  const d = { ...difference, key: printable(difference.key) } as Difference;
  if (d.kind === 'only-in-a') return `- ${d.key}: only in A`;
  if (d.kind === 'only-in-b') return `+ ${d.key}: only in B`;
  const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
  const what = d.kind === 'bytes' ? 'sha256' : d.kind;
  return `~ ${d.key}: ${what} ${show(d.a)} in A, ${show(d.b)} in B`;
}

export const verify: Command = {
  name: 'verify',
  summary: 'Compare two sets of parameter files: keys, dtypes, shapes and bytes',
  usage: 'paramflow verify A B [--json] [--quiet]',
  description: DESCRIPTION,
  flags: FLAGS,
  positionals: { min: 2, max: 2, hint: 'name the two sets to compare: paramflow verify A B' },
  async execute(flags, io) {
    const [pathA, pathB] = flags.positionals as [string, string];
    // Both sides' inputs: standard input, if named, is read once and kept whole (it is hashed after both are listed).
    const files = new FileCache();
    files.standardInput.keepWhole();
    let a: Map<string, Side>, b: Map<string, Side>;
    try {
      [a, b] = [await sideOf(pathA, files), await sideOf(pathB, files)];
    } catch (error) {
      await files.closeAll();
      throw error;
    }
    const bytes = [...a].reduce((n, [k, x]) => n + (b.has(k) ? 2 * x.parameter.length : 0), 0);
    const progress = flags.bools.get('quiet') || flags.bools.get('json') ? noProgress : await progressBar(io, 'verify', bytes);
    const out = progress.above(io);
    let differences: Difference[];
    try {
      differences = await compare(a, b, progress, files);
    } finally {
      progress.stop();
      await files.closeAll();
    }
    const same = differences.length === 0;
    const counted = new Set(differences.map((d) => d.key)).size;
    const compared = [...a.keys()].filter((k) => b.has(k)).length;
    if (flags.bools.get('json')) {
      out.out(`${JSON.stringify({ a: pathA, b: pathB, same, parameters: { a: a.size, b: b.size, compared, differing: counted }, differences })}\n`);
    } else if (!flags.bools.get('quiet')) {
      for (const d of differences) out.out(`${describe(d)}\n`);
      out.out(`${same ? 'same' : 'different'}: ${a.size} parameters in A, ${b.size} in B, ${compared} compared, ${counted} differ\n`);
    }
    return same ? 0 : 1;
  },
};
