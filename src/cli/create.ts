import { isPowerOfTwo } from '../formats/bytes.js';
import { denseByteCount, parseShapedType } from '../formats/element-type.js';
import { encodeElement } from '../formats/element-value.js';
import { VALID_PATTERN_LENGTHS } from '../formats/irpa/constants.js';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { writeIrpa } from '../sinks/irpa-writer.js';
import type { Command } from './command.js';
import { requiredString, type FlagSpec } from './flags.js';
import { printWritten } from './listing.js';
import { withProgress } from './progress.js';

const FLAGS: FlagSpec[] = [
  { name: 'data', kind: 'list', value: 'NAME=SHAPExTYPE[=VALUE]', help: 'A parameter stored in the archive, zeroed or filled with VALUE' },
  { name: 'splat', kind: 'list', value: 'NAME=SHAPExTYPE[=VALUE]', help: 'A parameter that is VALUE (default 0) repeated, with no storage on disk' },
  { name: 'alignment', kind: 'int', value: 'BYTES', help: 'Storage alignment of data parameters relative to the header (default 64)' },
  { name: 'output', kind: 'string', value: 'FILE.irpa', help: 'Output archive' },
  { name: 'quiet', kind: 'bool', help: 'Do not print the resulting table' },
  { name: 'json', kind: 'bool', help: 'Print the resulting parameters as JSON lines instead of the table' },
];

const USAGE = 'paramflow create --data=NAME=SHAPExTYPE[=VALUE] --splat=NAME=SHAPExTYPE[=VALUE] [--alignment=N] --output=FILE.irpa';
const SUMMARY = `Creates an IREE Parameter Archive with zeroed, patterned or splatted parameters,
byte for byte as iree-create-parameters does. Shapes and types use IREE's
spelling: 4096xf32, 2x4096xi16, 8xbf16, 16xf8E4M3FN, 4xx32 (opaque, VALUE in hex).`;

/** One `NAME=SHAPExTYPE[=VALUE]` declaration. */
function declare(flag: string, text: string, kind: 'data' | 'splat'): Parameter {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--${flag}=${text}: expected NAME=SHAPExTYPE[=VALUE]`);
  const name = text.slice(0, eq);
  const rest = text.slice(eq + 1);
  const eq2 = rest.indexOf('=');
  const shapedText = eq2 < 0 ? rest : rest.slice(0, eq2);
  const valueText = eq2 < 0 ? '' : rest.slice(eq2 + 1);
  const context = (e: unknown) => new UsageError(`--${flag}=${text}: ${(e as Error).message}`);
  let shaped, length, pattern: Uint8Array;
  try {
    shaped = parseShapedType(shapedText);
    length = denseByteCount(shaped);
    pattern = valueText === '' ? new Uint8Array(1) : encodeElement(valueText, shaped.type);
  } catch (e) {
    throw context(e);
  }
  if (kind === 'splat' && !VALID_PATTERN_LENGTHS.includes(pattern.length)) {
    throw new UsageError(`--${flag}=${text}: a splat's element must be 1, 2, 4, 8 or 16 bytes, not ${pattern.length}`);
  }
  const storage: Parameter['storage'] = kind === 'splat' ? { kind: 'splat', pattern } : { kind: 'data', source: { kind: 'fill', pattern } };
  return { scope: '', key: name, length, storage, alignment: 0, origin: `--${flag}` };
}

export const create: Command = {
  name: 'create',
  summary: 'Create an IRPA archive of zeroed, patterned or splatted parameters',
  usage: USAGE,
  description: SUMMARY,
  flags: FLAGS,
  async execute(flags, io) {
    const output = requiredString(flags, 'output', 'FILE.irpa');
    const alignment = flags.ints.get('alignment') ?? 64;
    if (!isPowerOfTwo(alignment)) throw new UsageError(`--alignment=${alignment}: must be a power of two (1, 2, 4, ... 64, ... 4096)`);

    // IREE's order: splats first (they take no storage), then data in flag order.
    const parameters = [
      ...(flags.lists.get('splat') ?? []).map((t) => declare('splat', t, 'splat')),
      ...(flags.lists.get('data') ?? []).map((t) => declare('data', t, 'data')),
    ];
    const seen = new Map<string, string>();
    for (const p of parameters) {
      const first = seen.get(p.key);
      if (first) throw new UsageError(`parameter '${p.key}' is declared twice (${first} and ${p.origin})`);
      seen.set(p.key, p.origin);
    }

    const bytes = parameters.reduce((n, p) => n + (p.storage.kind === 'splat' ? 0 : p.length), 0);
    const written = await withProgress(io, 'create', bytes, (onProgress) => writeIrpa(output, parameters, { alignment, ...(onProgress ? { onProgress } : {}) }));
    printWritten(io, flags, written.parameters);
    return 0;
  },
};
