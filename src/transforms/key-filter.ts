import type { OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { keyPattern, PatternUse } from './key-pattern.js';
import { parameterOperator } from './operator.js';

/**
 * Passes parameters whose key matches any pattern (`keepMatches`) or those
 * that match none, and warns about patterns that matched nothing.
 */
export function keyFilter(flag: string, patterns: string[], keepMatches: boolean, warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  const compiled = patterns.map(keyPattern);
  return parameterOperator(() => {
    const use = new PatternUse();
    return {
      step(p, emit) {
        const hit = compiled.find((c) => c.matches(p));
        if (hit) use.mark(hit);
        if (Boolean(hit) === keepMatches) emit(p);
      },
      done: () => use.unused(compiled).forEach((t) => warn?.(`--${flag}=${t} names no parameter`)),
    };
  });
}
