import type { OperatorFunction } from 'rxjs';
import { ParamflowError, UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { compose } from '../transforms/compose.js';
import { TRANSFORMS, type TransformName } from '../transforms/transform-kinds.js';
import { describePath, type DocPath } from './load.js';
import type { JobTransform } from './schema.js';

/**
 * A job's transform list as one operator, applied in the order written. A
 * rule that does not parse is reported at its place in the job file.
 */
export function transformsOperator(transforms: JobTransform[], at: DocPath, locate: (at: DocPath) => string, warn: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  return compose(
    transforms.map((t, i) => {
      // The schema lets exactly one key through.
      const [name, value] = Object.entries(t)[0] as [TransformName, unknown];
      const kind = TRANSFORMS[name];
      try {
        return kind.operator(kind.rules(value), warn);
      } catch (error) {
        if (!(error instanceof ParamflowError)) throw error;
        throw new UsageError(`${locate([...at, i])}: ${describePath([...at, i])}: ${error.message}`);
      }
    }),
  );
}
