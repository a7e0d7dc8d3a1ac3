import type { OperatorFunction } from 'rxjs';
import { DataError } from '../errors.js';
import { describeKey } from '../model/parameter-index.js';
import type { Parameter } from '../model/parameter.js';
import { parameterOperator } from './operator.js';

/**
 * Moves every parameter into one scope (an IRPA output has one), refusing two
 * that would end up with the same key: IREE silently writes only one of them.
 */
export function flattenScopes(scope = ''): OperatorFunction<Parameter, Parameter> {
  return parameterOperator(() => {
    const seen = new Map<string, Parameter>();
    return {
      step(p, emit) {
        const first = seen.get(p.key);
        if (first) {
          const describe = (q: Parameter) => `${describeKey(q.scope, q.originalKey ?? q.key)} from ${q.origin}`;
          throw new DataError(`two parameters would both be written as '${p.key}': ${describe(first)} and ${describe(p)}; rename or exclude one (keys may be qualified as SCOPE::KEY)`);
        }
        seen.set(p.key, p);
        emit(p.scope === scope ? p : { ...p, scope });
      },
    };
  });
}
