import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { outputIdentity } from '../io/outputs/output-target.js';
import { FileCache } from '../io/inputs/file-cache.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { parameterChunks } from '../scheduler/parameter-chunks.js';
import { assertNotAnInput } from '../io/outputs/same-file.js';
import { storedRange, type Parameter } from '../model/parameter.js';
import { writeFiles } from '../sinks/container-writer.js';
import { planParameterFile } from '../sinks/file-plan.js';
import type { Command } from './command.js';
import { requiredList, type FlagSpec } from './flags.js';
import { scopeListing } from './listing.js';
import { metadataJson, metadataListing } from './metadata-listing.js';
import { describeParameterJson } from './parameter-json.js';
import { loadParameterIndex, parseParameterFlag } from './parameters-flag.js';
import { inputFiles } from '../sources/open.js';
import { progressBar, type Progress } from './progress.js';
import type { ProgressState } from '../scheduler/progress.js';
import { messages, printable } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'A parameter file (IRPA, GGUF or safetensors), in the global scope or in SCOPE' },
  { name: 'extract', kind: 'list', value: '[SCOPE::]KEY=FILE', help: "Writes a parameter's bytes to FILE (splats expanded)" },
  { name: 'json', kind: 'bool', help: 'Print one JSON object per parameter instead of the table' },
  { name: 'hash', kind: 'bool', help: "Add the sha256 of each parameter's bytes" },
  { name: 'verbose', kind: 'bool', help: 'After the table, show storage kind, pattern, alignment and metadata of each entry' },
  { name: 'quiet', kind: 'bool', help: 'Print no listing (with --extract: only write the files)' },
  { name: 'metadata', kind: 'bool', help: "Show each file's own metadata first: GGUF key/values, safetensors __metadata__ (with --json, one object per file)" },
  { name: 'parameter_mode', kind: 'string', value: 'file|preload', help: "Accepted for compatibility with IREE's tools; has no effect" },
];

const USAGE = 'paramflow dump --parameters=[SCOPE=]FILE ... [--extract=[SCOPE::]KEY=FILE] [--json] [--hash] [--metadata]';
const SUMMARY = `Lists the parameters of one or more files as iree-dump-parameters does, and
extracts parameters to files.`;

/** Counts bytes read for hashes and extracts, for the progress bar. */
interface Tally {
  state: ProgressState;
  progress: Progress;
}

function advance(tally: Tally, bytes: number, parameterDone = false): void {
  tally.state.bytesDone += bytes;
  if (parameterDone) tally.state.parametersDone += 1;
  tally.progress.update(tally.state);
}

async function sha256Of(p: Parameter, files: FileCache, scheduler: IoScheduler, tally: Tally): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of parameterChunks(p, files, scheduler)) {
    hash.update(chunk);
    advance(tally, chunk.length);
  }
  advance(tally, 0, true);
  return hash.digest('hex');
}

function detailLine(p: Parameter, sha256: string | undefined): string {
  const range = storedRange(p);
  const parts = [`\`${printable(p.key)}\`: ${p.storage.kind}`];
  if (p.storage.kind === 'splat') parts.push(`pattern 0x${Buffer.from(p.storage.pattern).reverse().toString('hex')} (${p.storage.pattern.length} bytes)`);
  if (p.storage.kind === 'external' && range) parts.push(`in ${printable(range.path)}`);
  if (p.tensor) parts.push(`${p.tensor.dtype} [${p.tensor.shape.join(', ')}]`);
  // Formats without one (safetensors) record no alignment: nothing to show.
  if (p.alignment > 0) parts.push(`alignment ${p.alignment}`);
  if (p.metadata) {
    const text = Buffer.from(p.metadata.subarray(0, 64)).toString('utf8').replace(/[^\x20-\x7e]/g, '.');
    parts.push(`metadata ${p.metadata.length} bytes "${text}${p.metadata.length > 64 ? '…' : ''}"`);
  }
  if (sha256) parts.push(`sha256 ${sha256}`);
  return parts.join(', ');
}

/** `[SCOPE::]KEY=FILE` */
function parseExtract(text: string): { scope: string; key: string; path: string } {
  const eq = text.lastIndexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--extract=${text}: expected [SCOPE::]KEY=FILE`);
  const id = text.slice(0, eq);
  const sep = id.indexOf('::');
  return { scope: sep < 0 ? '' : id.slice(0, sep), key: sep < 0 ? id : id.slice(sep + 2), path: text.slice(eq + 1) };
}

export const dump: Command = {
  name: 'dump',
  summary: 'List parameters of IRPA, GGUF and safetensors files and extract them',
  usage: USAGE,
  description: SUMMARY,
  flags: FLAGS,
  async execute(flags, plainIO) {
    let io = plainIO;
    const parameterFlags = requiredList(flags, 'parameters', '[SCOPE=]FILE');
    const extracts = (flags.lists.get('extract') ?? []).map(parseExtract);
    const json = flags.bools.get('json') ?? false;
    const hash = flags.bools.get('hash') ?? false;
    const verbose = flags.bools.get('verbose') ?? false;

    // The command's inputs: standard input is read by the sources, then for hashes and extracts.
    const files = new FileCache();
    const scheduler = new IoScheduler();
    // Hashes are taken scope by scope and extracts after them: piped input named twice, or extracted from, is read out of order.
    if (extracts.length > 0 || parameterFlags.filter((f) => parseParameterFlag(f).path === '-').length > 1) files.standardInput.keepWhole();
    const { note } = messages(io, 'dump', flags.bools.get('quiet'));
    const { index, sources } = await loadParameterIndex(parameterFlags, note, files);
    for (const repeated of index.duplicates()) note(`key ${repeated}; lookups use the first`);
    const extracted = extracts.map((e) => index.lookup(e.scope, e.key));
    // Two extracts to one file (through a link, say) would leave only the last.
    const targets = await Promise.all(extracts.map((e) => outputIdentity(e.path)));
    const twice = targets.findIndex((t, i) => targets.indexOf(t) !== i);
    if (twice >= 0) throw new UsageError(`--extract: ${extracts[twice]!.path} and ${extracts[targets.indexOf(targets[twice]!)]!.path} are one file; give each parameter its own`);
    const work = [...(hash ? index.all() : []), ...extracted];
    const state: ProgressState = { bytesDone: 0, bytesTotal: work.reduce((n, p) => n + p.length, 0), parametersDone: 0, parametersTotal: work.length };
    const tally: Tally = { state, progress: await progressBar(io, 'dump', state.bytesTotal) };
    // The listing goes above the status line, never over it.
    io = tally.progress.above(plainIO);
    if (flags.bools.get('quiet')) io = { ...io, out: () => undefined };
    try {
      if (flags.bools.get('metadata')) {
        for (const s of sources) io.out(json ? `${JSON.stringify(metadataJson(s.path, s.format, s.metadata))}\n` : metadataListing(s.path, s.format, s.metadata));
      }
      for (const scope of index.scopeNames()) {
        const parameters = index.parametersOf(scope);
        if (!json) io.out(scopeListing(scope, parameters));
        if (json || hash || verbose) {
          for (const p of parameters) {
            const sha256 = hash ? await sha256Of(p, files, scheduler, tally) : undefined;
            io.out(json ? `${JSON.stringify(describeParameterJson(p, sha256))}\n` : `// ${detailLine(p, sha256)}\n`);
          }
          if (!json) io.out('\n');
        }
      }
      const inputs = inputFiles(sources);
      for (const [i, { scope, key, path }] of extracts.entries()) {
        const p = extracted[i]!;
        const id = scope === '' ? key : `${scope}::${key}`;
        if (!json) io.out(`Extracting parameter \`${printable(id)}\` (${p.length}b) to \`${printable(path)}\`...\n`);
        // An input of the command is never written over, whichever file the parameter itself is in.
        await assertNotAnInput(path, inputs);
        // Through the scheduler, as every copy: a file appears when complete; a stream is written front to back.
        let reported = 0;
        const onProgress = (state: ProgressState) => {
          advance(tally, state.bytesDone - reported);
          reported = state.bytesDone;
        };
        await writeFiles([planParameterFile(path, p)], { inputs: files, onProgress, releaseSources: false });
        advance(tally, 0, true);
      }
    } finally {
      tally.progress.stop();
      await files.closeAll();
    }
    return 0;
  },
};
