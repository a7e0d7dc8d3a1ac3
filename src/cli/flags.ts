import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { suggest } from '../did-you-mean.js';
import { UsageError } from '../errors.js';

export { suggest };

/**
 * IREE's flag grammar: `--name=value`, repeatable list flags, booleans as
 * `--name` or `--name=true|false`, and `--flagfile=PATH` holding one flag per
 * line. `--name value` is accepted too. Underscores and dashes are the same.
 */
export type FlagKind = 'string' | 'list' | 'bool' | 'int';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  help: string;
  /** Shown in help, e.g. `NAME=SHAPExTYPE[=VALUE]`. */
  value?: string;
}

export interface ParsedFlags {
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  bools: Map<string, boolean>;
  ints: Map<string, number>;
  positionals: string[];
  help: boolean;
}

const normalize = (name: string) => name.replace(/_/g, '-');

export function parseFlags(command: string, args: string[], specs: FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [normalize(s.name), s]));
  const parsed: ParsedFlags = {
    strings: new Map(),
    lists: new Map(),
    bools: new Map(),
    ints: new Map(),
    positionals: [],
    help: false,
  };
  let queue = [...args];
  // The flag file each queued argument came from (undefined: the command line).
  let origins: (string | undefined)[] = args.map(() => undefined);
  const take = () => {
    origins.shift();
    return queue.shift();
  };
  // Values a flagfile gave: the command line may override them, as with gflags.
  const fromFiles = new Set<string>();
  let flagfiles = 0;
  while (queue.length > 0) {
    const origin = origins[0];
    const arg = take()!;
    const fromFile = origin !== undefined;
    if (arg === '--help' || arg === '-h') {
      parsed.help = true;
      continue;
    }
    // `--` ends the flags: what follows is arguments, even if it starts with dashes.
    if (arg === '--') {
      parsed.positionals = [...parsed.positionals, ...queue.splice(0)];
      break;
    }
    if (!arg.startsWith('--')) {
      if (fromFile) throw new UsageError(`--flagfile=${origin}: '${arg}' is not a flag; a flag file holds flags, one per line (--name=value)`);
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = normalize(arg.slice(2, eq < 0 ? undefined : eq));
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === 'flagfile') {
      if (value === undefined) value = take();
      if (value === undefined) throw new UsageError(`--flagfile needs a path`);
      if (++flagfiles > 64) throw new UsageError(`too many nested --flagfile flags`);
      const lines = readFlagfile(value);
      const path = value;
      // New arrays rather than unshift(...lines): a flagfile may hold more lines than a call takes arguments.
      queue = [...lines, ...queue];
      origins = [...lines.map(() => path), ...origins];
      continue;
    }
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name} for 'paramflow ${command}'${suggest(name, [...byName.keys()])}`);
    if (spec.kind === 'bool') {
      parsed.bools.set(spec.name, parseBool(spec.name, value));
      continue;
    }
    if (value === undefined) {
      const next = queue[0];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`--${spec.name} needs a value${spec.value ? ` (--${spec.name}=${spec.value})` : ''}`);
      }
      value = take()!;
    }
    if (spec.kind === 'list') {
      parsed.lists.set(spec.name, [...(parsed.lists.get(spec.name) ?? []), value]);
      continue;
    }
    // A flag that takes one value, given twice on the command line, is more likely a slip than a wish for the last.
    const given = parsed.strings.has(spec.name) || parsed.ints.has(spec.name);
    if (given && !fromFile && !fromFiles.has(spec.name)) throw new UsageError(`--${spec.name} is given twice; it takes one value`);
    if (fromFile) fromFiles.add(spec.name);
    else fromFiles.delete(spec.name);
    if (spec.kind === 'int') parsed.ints.set(spec.name, parseInteger(spec.name, value));
    else parsed.strings.set(spec.name, value);
  }
  return parsed;
}

/** Flag files are written by hand: anything larger is a mistake. */
const MAX_FLAGFILE_BYTES = 1024 * 1024;

function readFlagfile(path: string): string[] {
  let text: string;
  let fd: number | undefined;
  try {
    // Opened without blocking and checked first: a FIFO or /dev/zero must not hang or fill memory.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`--flagfile=${path} is not a regular file`);
    if (stat.size > MAX_FLAGFILE_BYTES) throw new UsageError(`--flagfile=${path} is ${stat.size} bytes, more than the ${MAX_FLAGFILE_BYTES}-byte limit`);
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read flagfile '${path}'`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function parseBool(name: string, value: string | undefined): boolean {
  if (value === undefined || /^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new UsageError(`--${name} takes true or false, not '${value}'`);
}

export function parseInteger(name: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} takes an integer, not '${value}'`);
  }
  return Number(value);
}

export function helpText(usage: string, summary: string, specs: FlagSpec[]): string {
  const lines = specs.map((s) => {
    const form = s.kind === 'bool' ? `--${s.name}` : `--${s.name}=${s.value ?? 'VALUE'}`;
    return `  ${form}\n      ${s.help}${s.kind === 'list' ? ' (repeatable)' : ''}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${lines.join('\n')}\n  --flagfile=PATH\n      Reads more flags from PATH, one per line ('#' starts a comment)\n  --help\n      Shows this text\n`;
}

/** A string flag the command cannot do without. */
export function requiredString(flags: ParsedFlags, name: string, form: string): string {
  const value = flags.strings.get(name);
  if (!value) throw new UsageError(`missing --${name}=${form}`);
  return value;
}

/** A list flag that must be given at least once. */
export function requiredList(flags: ParsedFlags, name: string, form: string): string[] {
  const values = flags.lists.get(name) ?? [];
  if (values.length === 0) throw new UsageError(`missing --${name}=${form}`);
  return values;
}
