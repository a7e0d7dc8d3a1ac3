import type { OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import { parseElementType } from '../formats/element-type.js';
import { encodeElement } from '../formats/element-value.js';
import { VALID_PATTERN_LENGTHS } from '../formats/irpa/constants.js';
import type { Parameter } from '../model/parameter.js';
import { keyPattern, PatternUse, type KeyPattern } from './key-pattern.js';
import { parameterOperator } from './operator.js';

export interface SplatRule extends KeyPattern {
  pattern: Uint8Array;
}

/** `KEY` (a zero splat) or `KEY=TYPE=VALUE` (`f32=4.5`, `i8=123`, `x32=CAFEF00D`), as IREE parses it. */
export function parseSplatRule(text: string): SplatRule {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (key === '') throw new UsageError(`--splat=${text}: expected KEY or KEY=TYPE=VALUE`);
  if (eq < 0) return { ...keyPattern(key), text, pattern: Uint8Array.of(0) };
  const spec = text.slice(eq + 1);
  const eq2 = spec.indexOf('=');
  const fail = (why: string): never => {
    throw new UsageError(`--splat=${text}: ${why}`);
  };
  if (eq2 < 0 || eq2 === spec.length - 1) fail('expected KEY=TYPE=VALUE (a type needs a value)');
  let pattern: Uint8Array;
  try {
    const type = parseElementType(spec.slice(0, eq2));
    if (type.bits === 0 || type.bits % 8 !== 0) fail(`sub-byte and zero-width types cannot be splat patterns`);
    if (type.bits / 8 > 16) fail(`element type size for ${type.name} out of range of splat patterns`);
    pattern = encodeElement(spec.slice(eq2 + 1), type);
  } catch (error) {
    if (error instanceof UsageError && !error.message.startsWith('--splat')) fail(error.message);
    throw error;
  }
  if (!VALID_PATTERN_LENGTHS.includes(pattern.length)) fail(`a splat pattern must be 1, 2, 4, 8 or 16 bytes, not ${pattern.length}`);
  return { ...keyPattern(key), text, pattern };
}

/** Turns matching parameters into splats of the rule's pattern (the first rule that matches wins). */
export function splat(rules: SplatRule[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  return parameterOperator(() => {
    const use = new PatternUse();
    return {
      step(p, emit) {
        const rule = rules.find((r) => r.matches(p));
        if (!rule) return emit(p);
        use.mark(rule);
        if (p.length % rule.pattern.length !== 0) {
          throw new UsageError(
            `--splat=${rule.text}: a ${rule.pattern.length}-byte pattern does not divide '${p.key}' (${p.length} bytes)`,
          );
        }
        emit({ ...p, storage: { kind: 'splat', pattern: rule.pattern }, alignment: 0 });
      },
      done: () => use.unused(rules).forEach((t) => warn?.(`--splat=${t} names no parameter`)),
    };
  });
}
