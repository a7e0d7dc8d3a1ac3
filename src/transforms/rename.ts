import type { OperatorFunction } from 'rxjs';
import { RE2JS } from 're2js';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { keyPattern, PatternUse, type KeyPattern } from './key-pattern.js';
import { parameterOperator } from './operator.js';

export interface RenameRule {
  text: string;
  /** The new key, or undefined when the rule does not apply. */
  apply(p: Parameter): string | undefined;
}

/**
 * `OLD=NEW` renames an exact key (or `SCOPE::OLD`), as IREE does;
 * `/REGEX/=REPLACEMENT` replaces every match of the expression within a
 * key, as `sed s/REGEX/REPLACEMENT/g` does, with `$1` captures in the
 * replacement (anchor it with `^...$` to match whole keys only). The
 * expression is RE2's (as Go's and Rust's regex crates take them), so a
 * hostile one cannot make matching run for minutes.
 */
export function parseRenameRule(text: string): RenameRule {
  if (text.startsWith('/')) {
    const close = text.indexOf('/=', 1);
    if (close < 0) throw new UsageError(`--rename=${text}: expected /REGEX/=REPLACEMENT`);
    // RE2's engine: matching takes time linear in the key, whatever the expression (`(a+)+$` included).
    let pattern: RE2JS;
    try {
      pattern = RE2JS.compile(text.slice(1, close), RE2JS.DOTALL);
    } catch (error) {
      throw new UsageError(`--rename=${text}: ${(error as Error).message} (expressions are RE2's: no lookaround, no backreferences)`);
    }
    const replacement = text.slice(close + 2);
    return { text, apply: (p) => (pattern.matcher(p.key).find() ? pattern.matcher(p.key).replaceAll(replacement) : undefined) };
  }
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--rename=${text}: expected OLD=NEW`);
  const from: KeyPattern = keyPattern(text.slice(0, eq));
  const to = text.slice(eq + 1);
  return { text, apply: (p) => (from.matches(p) ? to : undefined) };
}

/** Renames by the first rule that applies to a parameter's key. */
export function rename(rules: RenameRule[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  return parameterOperator(() => {
    const use = new PatternUse();
    return {
      step(p, emit) {
        for (const rule of rules) {
          const key = rule.apply(p);
          if (key !== undefined) {
            use.mark(rule);
            emit({ ...p, key, originalKey: p.originalKey ?? p.key });
            return;
          }
        }
        emit(p);
      },
      done: () => use.unused(rules).forEach((t) => warn?.(`--rename=${t} names no parameter`)),
    };
  });
}
