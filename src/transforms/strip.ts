import { map, type OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { keyPattern } from './key-pattern.js';

const ZERO = Uint8Array.of(0);

/**
 * Every parameter becomes a zero splat of its length (no storage, same
 * size), except those matching `keep`. As in IREE, splats are zeroed too.
 */
export function strip(keep: string[] = []): OperatorFunction<Parameter, Parameter> {
  const kept = keep.map(keyPattern);
  return map((p) => (kept.some((k) => k.matches(p)) ? p : { ...p, storage: { kind: 'splat', pattern: ZERO }, alignment: 0 }));
}
