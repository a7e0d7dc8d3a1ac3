import type { OperatorFunction } from 'rxjs';
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
 * replacement (anchor it with `^...$` to match whole keys only).
 */
export function parseRenameRule(text: string): RenameRule {
  if (text.startsWith('/')) {
    const close = text.indexOf('/=', 1);
    if (close < 0) throw new UsageError(`--rename=${text}: expected /REGEX/=REPLACEMENT`);
    let every: RegExp;
    try {
      every = new RegExp(text.slice(1, close), 'gs');
    } catch (error) {
      throw new UsageError(`--rename=${text}: ${(error as Error).message}`);
    }
    const replacement = text.slice(close + 2);
    // search() ignores the global flag's position, so one expression serves both.
    return { text, apply: (p) => (p.key.search(every) >= 0 ? p.key.replace(every, replacement) : undefined) };
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
