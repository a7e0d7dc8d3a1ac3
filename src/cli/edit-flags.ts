import type { OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { compose } from '../transforms/compose.js';
import { exclude } from '../transforms/exclude.js';
import { flattenScopes } from '../transforms/flatten-scopes.js';
import { include } from '../transforms/include.js';
import { parseRealignRule, realign } from '../transforms/realign.js';
import { parseRenameRule, rename } from '../transforms/rename.js';
import { parseSplatRule, splat } from '../transforms/splat.js';
import { strip } from '../transforms/strip.js';
import type { FlagSpec, ParsedFlags } from './flags.js';

/** The edit flags of iree-convert-parameters, and paramflow's additions. */
export const EDIT_FLAGS: FlagSpec[] = [
  { name: 'exclude', kind: 'list', value: 'KEY', help: 'Leave out parameters: an exact key, a glob (*.bias) or SCOPE::KEY' },
  { name: 'include', kind: 'list', value: 'KEY', help: 'Keep only parameters matching (exact, glob or SCOPE::KEY)' },
  { name: 'rename', kind: 'list', value: 'OLD=NEW', help: 'Rename a key; /REGEX/=REPLACEMENT renames every match ($1 for captures)' },
  { name: 'strip', kind: 'bool', help: 'Replace every parameter with a zero splat of its size' },
  { name: 'keep', kind: 'list', value: 'KEY', help: 'With --strip: leave these parameters as they are' },
  { name: 'splat', kind: 'list', value: 'KEY[=TYPE=VALUE]', help: 'Make a parameter a splat of 0 or of VALUE (f32=4.5, i8=123, x32=CAFEF00D)' },
  { name: 'align', kind: 'list', value: '[KEY=]BYTES', help: 'Place data at multiples of BYTES (a power of two), for all or matching parameters' },
];

/** The edits the flags ask for, as one operator, in IREE's order. Every flag is checked before any file is read. */
export function editOperator(flags: ParsedFlags, warn: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  const list = (name: string) => flags.lists.get(name) ?? [];
  const renames = list('rename').map(parseRenameRule);
  const splats = list('splat').map(parseSplatRule);
  const aligns = list('align').map(parseRealignRule);
  if (list('keep').length > 0 && !flags.bools.get('strip')) throw new UsageError('--keep only applies with --strip');
  // Edits with no rules are left out: each costs a step per parameter, and archives hold 100,000.
  return compose([
    ...(list('exclude').length > 0 ? [exclude(list('exclude'), warn)] : []),
    ...(list('include').length > 0 ? [include(list('include'), warn)] : []),
    ...(renames.length > 0 ? [rename(renames, warn)] : []),
    ...(flags.bools.get('strip') ? [strip(list('keep'))] : []),
    ...(splats.length > 0 ? [splat(splats, warn)] : []),
    ...(aligns.length > 0 ? [realign(aligns)] : []),
    flattenScopes(),
  ]);
}

