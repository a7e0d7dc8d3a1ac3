import type { FlagSpec, ParsedFlags } from './flags.js';

/** Where a command writes; tests pass their own to capture output. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress only then). */
  interactive: boolean;
}

/**
 * A command: its flags and help, and what it does with parsed flags. The
 * dispatcher parses, prints help, and refuses stray arguments for all.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** More lines of help after the usage line. */
  description: string;
  flags: FlagSpec[];
  /** How many positional arguments it takes (default none). */
  positionals?: { min: number; max: number; hint: string };
  execute(flags: ParsedFlags, io: CommandIO): Promise<number>;
}
