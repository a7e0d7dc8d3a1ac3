import type { OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { keyPattern, PatternUse } from './key-pattern.js';
import { parameterOperator } from './operator.js';

/** Drops parameters whose key matches any pattern (exact, glob or `SCOPE::KEY`). */
export function exclude(patterns: string[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  const compiled = patterns.map(keyPattern);
  return parameterOperator(() => {
    const use = new PatternUse();
    return {
      step(p, emit) {
        const hit = compiled.find((c) => c.matches(p));
        if (hit) use.mark(hit);
        else emit(p);
      },
      done: () => use.unused(compiled).forEach((t) => warn?.(`--exclude=${t} names no parameter`)),
    };
  });
}
