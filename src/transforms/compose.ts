import type { Observable, OperatorFunction } from 'rxjs';

/** Chains any number of operators of one type into one, in order. */
export function compose<T>(operators: OperatorFunction<T, T>[]): OperatorFunction<T, T> {
  return (source: Observable<T>) => operators.reduce((stream, op) => op(stream), source);
}
