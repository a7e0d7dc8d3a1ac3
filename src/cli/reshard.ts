import { UsageError } from '../errors.js';
import { basename } from 'node:path';
import { resolveOutput } from '../io/outputs/output-target.js';
import type { SinkSpec } from '../pipeline/job-spec.js';
import { defaultShardPrefix, type ShardPolicy } from '../sinks/shard-plan.js';
import { outputFormatChoices } from '../sinks/output-formats.js';
import { parseByteSize } from '../byte-size.js';
import type { Command } from './command.js';
import { EDIT_FLAGS, editOperator } from './edit-flags.js';
import { fileOptionsOf, formatFlag, outputFormatOf, schedulerOptions, WRITER_FLAGS } from './shared-flags.js';
import { requiredList, requiredString, type FlagSpec, type ParsedFlags } from './flags.js';
import { parseParameterFlag } from './parameters-flag.js';
import { COMMAND_SINK, DRY_RUN_FLAG, printDryRun, runCommandJob } from './command-job.js';
import { messages as messagesOf } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'An input: IRPA, GGUF (the first shard of a split reads them all), safetensors or a safetensors index' },
  ...EDIT_FLAGS,
  { name: 'max-shard-size', kind: 'string', value: 'SIZE', help: 'Bytes per shard at most: 2GiB, 500MB (decimal), 4096' },
  { name: 'max-shard-params', kind: 'int', value: 'N', help: 'Parameters per shard at most' },
  { name: 'shards', kind: 'int', value: 'N', help: 'Exactly N shards, balanced by bytes' },
  formatFlag('Shard format (default irpa)'),
  { name: 'output', kind: 'string', value: 'DIR|FILE.tar|-', help: 'Directory for the shard set, or a tar of it (a .tar file, or - for standard output)' },
  { name: 'prefix', kind: 'string', value: 'NAME', help: "Shard file names: NAME-00001-of-0000N.EXT (default: model for safetensors, as Hugging Face names sets; else the first input's name)" },
  { name: 'force', kind: 'bool', help: 'Replace a non-empty output directory' },
  DRY_RUN_FLAG,
  ...WRITER_FLAGS,
  { name: 'json', kind: 'bool', help: 'Print a JSON summary (files, parameters, bytes) instead of the file names' },
  { name: 'quiet', kind: 'bool', help: 'Print nothing but warnings and errors' },
];

function policyOf(flags: ParsedFlags): ShardPolicy {
  const size = flags.strings.get('max-shard-size');
  const params = flags.ints.get('max-shard-params');
  const shards = flags.ints.get('shards');
  if ([size, params, shards].filter((v) => v !== undefined).length !== 1) {
    throw new UsageError('give one of --max-shard-size, --max-shard-params or --shards');
  }
  if (params !== undefined && params < 1) throw new UsageError(`--max-shard-params=${params}: must be at least 1`);
  if (shards !== undefined && (shards < 1 || shards > 99999)) throw new UsageError(`--shards=${shards}: must be 1 to 99999`);
  return size !== undefined ? { maxShardBytes: parseByteSize(size, `--max-shard-size=${size}`) } : params !== undefined ? { maxShardParams: params } : { shards: shards! };
}

export const reshard: Command = {
  name: 'reshard',
  summary: 'Split parameter files into a shard set (IRPA, safetensors with its index, GGUF split)',
  usage: `paramflow reshard --parameters=FILE ... (--max-shard-size=2GiB | --max-shard-params=N | --shards=N) [--format=${outputFormatChoices}] --output=DIR`,
  description: `Reads parameter files (sharded ones as one) and writes them as a shard set in DIR,
named and indexed as each ecosystem expects, with convert's edits on the way.
Parameters keep their order and are never split. The set is written beside DIR
and moved into place when complete; a non-empty DIR is refused unless --force.`,
  flags: FLAGS,
  async execute(flags, io) {
    const output = requiredString(flags, 'output', 'DIR');
    const inputs = requiredList(flags, 'parameters', '[SCOPE=]FILE');
    const format = outputFormatOf(flags);
    const prefix = flags.strings.get('prefix') ?? defaultShardPrefix(format, inputs.map((i) => parseParameterFlag(i).path));
    if (!/^[\w.-]+$/.test(prefix) || prefix.startsWith('.')) throw new UsageError(`--prefix=${prefix}: use letters, digits, '.', '_' and '-' only`);
    const policy = policyOf(flags);
    if (output === '-' && flags.bools.get('json')) throw new UsageError('--json prints to standard output, where --output=- writes the tar; use --output=FILE.tar');
    // A terminal is refused before any input is read.
    if (output === '-') await resolveOutput(output);
    const messages = messagesOf(io, 'reshard', flags.bools.get('quiet'));
    const set = { format, prefix, policy, options: fileOptionsOf(flags), says: COMMAND_SINK };
    // A tar stream of the set (standard output, or a tar file that appears when complete), or a directory.
    const sink: SinkSpec = output === '-' || output.endsWith('.tar') ? { kind: 'tar', path: output, ...set } : { kind: 'shards', dir: output, ...set, force: flags.bools.get('force') ?? false };
    // Every rule is checked before any file is read.
    const body = { transforms: editOperator(flags, messages.warn), sinks: [sink], scheduler: schedulerOptions(flags), sync: !flags.bools.get('no-sync') };
    const job = { sources: [{ kind: 'files' as const, refs: inputs.map(parseParameterFlag) }], complete: () => body };
    const result = await runCommandJob(io, 'reshard', job, { ...messages, dryRun: flags.bools.get('dry-run') ?? false });
    if (printDryRun(io, flags, result)) return 0;
    const { files, parameters } = result.sinks[0]!;
    const written = files.map((file) => basename(file.path));
    if (flags.bools.get('json')) {
      const bytes = parameters.reduce((n, p) => n + p.length, 0);
      io.out(`${JSON.stringify({ output, format, files: written, parameters: parameters.length, bytes })}\n`);
    } else if (output !== '-' && !flags.bools.get('quiet')) {
      for (const file of written) io.out(`${file}\n`);
    }
    return 0;
  },
};
