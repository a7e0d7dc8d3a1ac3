import type { OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { PatternUse, type KeyPattern } from './key-pattern.js';
import { parameterOperator } from './operator.js';

/** A rule that names parameters by key, or (no pattern) stands for every parameter it applies to. */
export interface KeyedRule {
  text: string;
  pattern?: KeyPattern;
}

/**
 * An operator of `--cast`'s and `--quantize`'s kind: each parameter takes
 * the first rule whose key matches it, else the last bare rule if
 * `bareTakes` it (a bare cast takes floats, a bare quantize matrices), and
 * is changed by `apply`; the rest pass as they are. Rules that applied to
 * nothing are told at the end, as `--FLAG=RULE names no parameter`.
 */
export function keyedRules<R extends KeyedRule>(
  flag: string,
  rules: R[],
  bareTakes: (p: Parameter) => boolean,
  apply: (p: Parameter, rule: R) => Parameter,
  warn?: (message: string) => void,
): OperatorFunction<Parameter, Parameter> {
  const byKey = rules.filter((r) => r.pattern);
  const bare = rules.findLast((r) => !r.pattern);
  return parameterOperator(() => {
    const use = new PatternUse();
    return {
      step(p, emit) {
        const rule = byKey.find((r) => r.pattern!.matches(p)) ?? (bare && bareTakes(p) ? bare : undefined);
        if (!rule) return emit(p);
        use.mark(rule);
        emit(apply(p, rule));
      },
      done: () => use.unused(rules).forEach((t) => warn?.(`--${flag}=${t} names no parameter`)),
    };
  });
}
