/**
 * Text from files and flags (keys, paths) as it is safe to print on a
 * terminal: control characters, which could end a line and forge one of
 * paramflow's own, move the cursor or clear the screen, are shown escaped
 * (`\n`, `\x1b`, `\u2028`), as `--json` already shows them.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const json = JSON.stringify(c).slice(1, -1);
    return json.length > 1 ? json : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** What a command says on standard error beside its output: warnings and notes, each one line; `--quiet` keeps only the warnings. */
export function messages(io: { err(text: string): void }, command: string, quiet = false): { warn(message: string): void; note(message: string): void } {
  return {
    warn: (message) => io.err(`paramflow ${command}: warning: ${printable(message)}\n`),
    note: (message) => void (quiet || io.err(`paramflow ${command}: note: ${printable(message)}\n`)),
  };
}
