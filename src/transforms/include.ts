import type { OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { keyPattern, PatternUse } from './key-pattern.js';
import { parameterOperator } from './operator.js';

/** Keeps only parameters whose key matches a pattern: the inverse of exclude. */
export function include(patterns: string[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  const compiled = patterns.map(keyPattern);
  return parameterOperator(() => {
    const use = new PatternUse();
    return {
      step(p, emit) {
        const hit = compiled.find((c) => c.matches(p));
        if (hit) {
          use.mark(hit);
          emit(p);
        }
      },
      done: () => use.unused(compiled).forEach((t) => warn?.(`--include=${t} names no parameter`)),
    };
  });
}
