/** Where a command writes; tests pass their own to capture output. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (progress and colour only then). */
  interactive: boolean;
}

export interface Command {
  name: string;
  summary: string;
  run(args: string[], io: CommandIO): Promise<number>;
}
