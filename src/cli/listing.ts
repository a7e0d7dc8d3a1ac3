import type { Parameter } from '../model/parameter.js';
import { printable } from './printable.js';
import { storedRange } from '../model/parameter.js';
import type { CommandIO } from './command.js';
import type { ParsedFlags } from './flags.js';
import { describeParameterJson } from './parameter-json.js';

/**
 * The listing `iree-dump-parameters` prints, byte for byte: per scope a
 * banner with entry count and total bytes, then one row per entry with the
 * absolute start, end and length of its bytes (`-` for splats).
 */
const RULE = `//===${'-'.repeat(110)}===//`;
const COLUMNS = `//===${'-'.repeat(12)}+${'-'.repeat(18)}+${'-'.repeat(18)}+${'-'.repeat(59)}===//`;
const HEADINGS = `//${'Start'.padStart(14)} |${'End'.padStart(17)} |${'Length'.padStart(17)} | Key`;
const UNDERLINE = `//${'-'.repeat(15)}+${'-'.repeat(18)}+${'-'.repeat(18)}+${'-'.repeat(62)}//`;

export function scopeListing(scope: string, parameters: Parameter[]): string {
  const total = parameters.reduce((n, p) => n + p.length, 0);
  const name = scope === '' ? '<global>' : `\`${printable(scope)}\``;
  const lines = [RULE, `// Parameter scope ${name} (${parameters.length} entries, ${total} total bytes)`, COLUMNS, HEADINGS, UNDERLINE];
  for (const p of parameters) {
    const range = storedRange(p);
    const start = range ? String(range.offset) : '-';
    const end = range ? String(range.offset + p.length) : '-';
    lines.push(`${start.padStart(16)} | ${end.padStart(16)} | ${String(p.length).padStart(16)} | \`${printable(p.key)}\``);
  }
  return `${lines.join('\n')}\n\n`;
}

/** What create and convert print about the archive they wrote: IREE's table, JSON lines with --json, nothing with --quiet. */
export function printWritten(io: CommandIO, flags: ParsedFlags, parameters: Parameter[]): void {
  if (flags.bools.get('json')) {
    for (const p of parameters) io.out(`${JSON.stringify(describeParameterJson(p))}\n`);
  } else if (!flags.bools.get('quiet')) {
    io.out(scopeListing('', parameters));
  }
}
