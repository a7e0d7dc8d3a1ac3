import { denseByteCount, parseShapedType } from '../formats/element-type.js';
import { encodeElement } from '../formats/element-value.js';
import { VALID_PATTERN_LENGTHS } from '../formats/irpa/constants.js';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';

/**
 * Parameters declared rather than read, as `iree-create-parameters` takes
 * them: `NAME=SHAPExTYPE[=VALUE]`, a `data` parameter stored in the output
 * (zeroed, or VALUE repeated) or a `splat` with no storage.
 */
export interface Declarations {
  data?: string[];
  splat?: string[];
}

/** One declaration; `flag` names where it came from in messages. */
function declare(flag: string, text: string, kind: 'data' | 'splat', scope: string): Parameter {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--${flag}=${text}: expected NAME=SHAPExTYPE[=VALUE]`);
  const name = text.slice(0, eq);
  const rest = text.slice(eq + 1);
  const eq2 = rest.indexOf('=');
  const shapedText = eq2 < 0 ? rest : rest.slice(0, eq2);
  const valueText = eq2 < 0 ? '' : rest.slice(eq2 + 1);
  let length: number;
  let pattern: Uint8Array;
  try {
    const shaped = parseShapedType(shapedText);
    length = denseByteCount(shaped);
    pattern = valueText === '' ? new Uint8Array(1) : encodeElement(valueText, shaped.type);
  } catch (e) {
    throw new UsageError(`--${flag}=${text}: ${(e as Error).message}`);
  }
  if (kind === 'splat' && !VALID_PATTERN_LENGTHS.includes(pattern.length)) {
    throw new UsageError(`--${flag}=${text}: a splat's element must be 1, 2, 4, 8 or 16 bytes, not ${pattern.length}`);
  }
  const storage: Parameter['storage'] = kind === 'splat' ? { kind: 'splat', pattern } : { kind: 'data', source: { kind: 'fill', pattern } };
  return { scope, key: name, length, storage, alignment: 0, origin: `--${flag}` };
}

/** The declared parameters in IREE's order: splats first (they take no storage), then data, each as given. */
export function declaredParameters(declarations: Declarations, scope = ''): Parameter[] {
  const parameters = [...(declarations.splat ?? []).map((t) => declare('splat', t, 'splat', scope)), ...(declarations.data ?? []).map((t) => declare('data', t, 'data', scope))];
  const seen = new Map<string, string>();
  for (const p of parameters) {
    const first = seen.get(p.key);
    if (first) throw new UsageError(`parameter '${p.key}' is declared twice (${first} and ${p.origin})`);
    seen.set(p.key, p.origin);
  }
  return parameters;
}
