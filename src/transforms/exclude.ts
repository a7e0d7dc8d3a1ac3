import type { OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { keyFilter } from './key-filter.js';

/** Drops parameters whose key matches any pattern (exact, glob or `SCOPE::KEY`). */
export function exclude(patterns: string[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  return keyFilter('exclude', patterns, false, warn);
}
