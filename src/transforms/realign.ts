import type { OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import { alignmentProblem } from '../formats/bytes.js';
import type { Parameter } from '../model/parameter.js';
import { keyPattern, type KeyPattern } from './key-pattern.js';
import { parameterOperator } from './operator.js';

export interface RealignRule {
  text: string;
  /** Undefined: every parameter. */
  pattern?: KeyPattern;
  alignment: number;
}

/** `BYTES` for every parameter, or `PATTERN=BYTES` for those matching. */
export function parseRealignRule(text: string): RealignRule {
  const eq = text.lastIndexOf('=');
  const bytesText = eq < 0 ? text : text.slice(eq + 1);
  const alignment = Number(bytesText);
  const problem = /^\d+$/.test(bytesText) ? alignmentProblem(alignment) : alignmentProblem(NaN);
  if (problem) throw new UsageError(`--align=${text}: ${problem}`);
  return eq < 0 ? { text, alignment } : { text, pattern: keyPattern(text.slice(0, eq)), alignment };
}

/** Sets where writers place each matching parameter's data; the last rule that matches wins. */
export function realign(rules: RealignRule[]): OperatorFunction<Parameter, Parameter> {
  return parameterOperator(() => ({
    step(p, emit) {
      const rule = rules.findLast((r) => !r.pattern || r.pattern.matches(p));
      emit(rule ? { ...p, placement: rule.alignment } : p);
    },
  }));
}
