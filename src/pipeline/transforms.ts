import type { OperatorFunction } from 'rxjs';
import { ParamflowError, UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { compose } from '../transforms/compose.js';
import { exclude } from '../transforms/exclude.js';
import { include } from '../transforms/include.js';
import { parseRealignRule, realign } from '../transforms/realign.js';
import { parseRenameRule, rename } from '../transforms/rename.js';
import { parseSplatRule, splat } from '../transforms/splat.js';
import { strip } from '../transforms/strip.js';
import { describePath, type DocPath } from './load.js';
import type { JobTransform } from './schema.js';

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function operatorFor(t: JobTransform, warn: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  if (t.exclude !== undefined) return exclude(list(t.exclude), warn);
  if (t.include !== undefined) return include(list(t.include), warn);
  if (t.rename !== undefined) {
    const rules = typeof t.rename === 'object' && !Array.isArray(t.rename) ? Object.entries(t.rename).map(([from, to]) => `${from}=${to}`) : list(t.rename);
    return rename(rules.map(parseRenameRule), warn);
  }
  if (t.strip !== undefined) return strip(t.strip === true ? [] : list(t.strip.keep ?? []));
  if (t.splat !== undefined) return splat(list(t.splat).map(parseSplatRule), warn);
  if (t.realign !== undefined) return realign((typeof t.realign === 'number' ? [String(t.realign)] : list(t.realign)).map(parseRealignRule));
  throw new Error('unreachable: the schema allows one transform key');
}

/**
 * A job's transform list as one operator, applied in the order written. A
 * rule that does not parse is reported at its place in the job file.
 */
export function transformsOperator(transforms: JobTransform[], at: DocPath, locate: (at: DocPath) => string, warn: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  return compose(
    transforms.map((t, i) => {
      try {
        return operatorFor(t, warn);
      } catch (error) {
        if (!(error instanceof ParamflowError)) throw error;
        throw new UsageError(`${locate([...at, i])}: ${describePath([...at, i])}: ${error.message}`);
      }
    }),
  );
}
