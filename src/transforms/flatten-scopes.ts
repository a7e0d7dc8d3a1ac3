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
    // One hash of each key: archives hold 100,000. The first holder of a
    // repeated key is looked up only to word the error.
    const seen = new Set<string>();
    const emitted: Parameter[] = [];
    return {
      step(p, emit) {
        const before = seen.size;
        if (seen.add(p.key).size === before) {
          const first = emitted.find((q) => q.key === p.key)!;
          const describe = (q: Parameter) => `${describeKey(q.scope, q.originalKey ?? q.key)} from ${q.origin}`;
          throw new DataError(`two parameters would both be written as '${p.key}': ${describe(first)} and ${describe(p)}; rename or exclude one (keys may be qualified as SCOPE::KEY)`);
        }
        emitted.push(p);
        emit(p.scope === scope ? p : { ...p, scope });
      },
    };
  });
}
