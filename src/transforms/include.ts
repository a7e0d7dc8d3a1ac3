import type { OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';
import { keyFilter } from './key-filter.js';

/** Keeps only parameters whose key matches a pattern: the inverse of exclude. */
export function include(patterns: string[], warn?: (message: string) => void): OperatorFunction<Parameter, Parameter> {
  return keyFilter('include', patterns, true, warn);
}
