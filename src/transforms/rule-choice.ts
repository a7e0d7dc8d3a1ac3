import type { Parameter } from '../model/parameter.js';
import { PatternUse, type KeyPattern } from './key-pattern.js';

/** A rule that names parameters by key, or (no pattern) stands for every parameter it applies to. */
export interface KeyedRule {
  text: string;
  pattern?: KeyPattern;
}

/**
 * How `--cast` and `--quantize` pick a rule for a parameter: the first rule
 * whose key matches, else the last bare one (whose own test of the
 * parameter, its type or shape, the caller makes). Rules that applied to
 * nothing are told at the end. One per stream: it remembers what matched.
 */
export class RuleChoice<R extends KeyedRule> {
  private readonly byKey: R[];
  readonly bare: R | undefined;
  private readonly use = new PatternUse();

  constructor(private readonly rules: R[]) {
    this.byKey = rules.filter((r) => r.pattern);
    this.bare = rules.findLast((r) => !r.pattern);
  }

  /** The rule naming `p`, if one does. */
  named(p: Parameter): R | undefined {
    return this.byKey.find((r) => r.pattern!.matches(p));
  }

  /** `rule` applied to a parameter. */
  applied(rule: R): void {
    this.use.mark(rule);
  }

  /** The rules that applied to no parameter, as written. */
  unused(): string[] {
    return this.use.unused(this.rules);
  }
}
