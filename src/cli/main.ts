import { readFileSync } from 'node:fs';
import { ParamflowError, UsageError } from '../errors.js';
import { removePendingOutputs } from '../io/atomic-output.js';
import type { Command, CommandIO } from './command.js';
import { convert } from './convert.js';
import { create } from './create.js';
import { dump } from './dump.js';
import { helpText, parseFlags, suggest } from './flags.js';

const COMMANDS: Command[] = [create, convert, dump];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
 * A stopped command leaves no temporary file behind, and output piped into a
 * reader that quits early (`| head`) ends the command quietly.
 */
function installProcessHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    removePendingOutputs();
    process.exit(0);
  });
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
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(`paramflow ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`paramflow: unknown command '${name}'${suggest(name, COMMANDS.map((c) => c.name), '')}\n\n${usage()}`);
    return 2;
  }
  try {
    return await run(command, args, io);
  } catch (error) {
    if (error instanceof ParamflowError) {
      io.err(`paramflow ${name}: error: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`paramflow ${name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
