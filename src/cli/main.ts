import { readFileSync } from 'node:fs';
import { ParamflowError, UsageError } from '../errors.js';
import { removePendingOutputs } from '../io/outputs/atomic-output.js';
import type { Command, CommandIO } from './command.js';
import { helpText, parseFlags, suggest } from './flags.js';
import { printable } from './printable.js';

/** Commands are loaded when run, so a command pays only for the modules it uses. */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'create', summary: 'Create an IRPA archive of zeroed, patterned or splatted parameters', load: async () => (await import('./create.js')).create },
  { name: 'convert', summary: 'Convert and edit parameter files into one IRPA, safetensors or GGUF file', load: async () => (await import('./convert.js')).convert },
  { name: 'reshard', summary: 'Split parameter files into a shard set (IRPA, safetensors + index, GGUF split)', load: async () => (await import('./reshard.js')).reshard },
  { name: 'run', summary: 'Run a job declared in a YAML file (several sinks, one pass)', load: async () => (await import('./run.js')).run },
  { name: 'load', summary: 'Load parameters into device memory (host or a GPU through WebGPU)', load: async () => (await import('./load.js')).load },
  { name: 'dump', summary: 'List parameters of IRPA, GGUF and safetensors files and extract them', load: async () => (await import('./dump.js')).dump },
  { name: 'verify', summary: 'Compare two sets of parameter files: keys, dtypes, shapes and bytes', load: async () => (await import('./verify.js')).verify },
];

/** The package's version, from the nearest package.json above this module (bundled or not). */
function version(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'paramflow') return pkg.version;
    } catch {
      // Not here; look further up.
    }
    if (dir.pathname === '/') return 'unknown';
  }
}

function usage(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`);
  return `Usage: paramflow COMMAND [FLAGS]

Moves ML parameter archives around: IRPA, GGUF and safetensors.

Commands:
${rows.join('\n')}

Run 'paramflow COMMAND --help' for a command's flags.
`;
}

export const processIO: CommandIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
};

async function run(command: Command, args: string[], io: CommandIO): Promise<number> {
  const flags = parseFlags(command.name, args, command.flags);
  if (flags.help) {
    io.out(helpText(command.usage, command.description, command.flags));
    return 0;
  }
  const { min, max, hint } = command.positionals ?? { min: 0, max: 0, hint: 'name files with --parameters=FILE' };
  if (flags.positionals.length > max) throw new UsageError(`unexpected argument '${flags.positionals[max]}'; ${hint}`);
  if (flags.positionals.length < min) throw new UsageError(`missing argument: ${hint}`);
  return command.execute(flags, io);
}

let handlersInstalled = false;

/**
 * A stopped command leaves no temporary file behind, and a listing piped
 * into a reader that quits early (`dump | head`) ends the command quietly;
 * data written to standard output (`--output=-`) has a listener of its own,
 * which fails the command instead.
 */
function installProcessHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (process.stdout.listenerCount('error') > 1) return;
    removePendingOutputs();
    process.exit(0);
  });
  // Whatever ends the process (an unexpected crash included), temporary outputs go with it.
  process.once('exit', removePendingOutputs);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      removePendingOutputs();
      process.exit(code);
    });
  }
}

/** Runs one command line; returns the exit status (0 done, 1 bad data or I/O, 2 bad usage). */
export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  installProcessHandlers();
  const [first, ...rest] = argv;
  // `paramflow help convert` is `paramflow convert --help`.
  const [name, ...args] = first === 'help' && rest.length > 0 ? [rest[0]!, '--help'] : [first, ...rest];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(`paramflow ${version()}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`paramflow: unknown command '${printable(name)}'${suggest(name, COMMANDS.map((c) => c.name), '')}\n\n${usage()}`);
    return 2;
  }
  try {
    return await run(await entry.load(), args, io);
  } catch (error) {
    if (error instanceof ParamflowError) {
      // A command given nothing at all gets a pointer to its help; other errors stay one line.
      const hint = error instanceof UsageError && args.length === 0 ? `Run 'paramflow ${name} --help' to see its flags.\n` : '';
      // Each line escaped: a key or a path with a newline in it cannot forge a line of paramflow's own.
      const lines = (error.problems ?? [error.message]).map(printable);
      io.err(`paramflow ${name}: error: ${lines.join('\n')}\n${hint}`);
      return error.exitCode;
    }
    io.err(`paramflow ${name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
