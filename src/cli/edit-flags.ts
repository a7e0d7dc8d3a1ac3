import type { OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { compose } from '../transforms/compose.js';
import { TRANSFORM_NAMES, TRANSFORMS, type TransformKind } from '../transforms/transform-kinds.js';
import type { FlagSpec, ParsedFlags } from './flags.js';

const kinds = (): TransformKind[] => TRANSFORM_NAMES.map((name) => TRANSFORMS[name]);

/** The edit flags of iree-convert-parameters, and paramflow's additions: one (or two) per transform. */
export const EDIT_FLAGS: FlagSpec[] = kinds().flatMap((kind) => [kind.flag, ...(kind.rulesFlag ? [{ ...kind.rulesFlag, kind: 'list' as const }] : [])]);

/**
 * The edits the flags ask for, as one operator, in IREE's order (the
 * table's). Every rule is checked before any file is read; the job's sink
 * then flattens the scopes.
 */
export function editOperator(flags: ParsedFlags, warn: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  const list = (name: string) => flags.lists.get(name) ?? [];
  const edits: OperatorFunction<Parameter, Parameter>[] = [];
  for (const kind of kinds()) {
    const rules = kind.flag.kind === 'bool' ? list(kind.rulesFlag!.name) : list(kind.flag.name);
    const given = kind.flag.kind === 'bool' ? flags.bools.get(kind.flag.name) === true : rules.length > 0;
    if (kind.rulesFlag && !given && rules.length > 0) throw new UsageError(`--${kind.rulesFlag.name} only applies with --${kind.flag.name}`);
    // Edits with no rules are left out: each costs a step per parameter, and archives hold 100,000.
    if (given) edits.push(kind.operator(rules, warn));
  }
  return compose(edits);
}
