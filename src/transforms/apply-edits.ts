import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';
import type { Parameter } from '../model/parameter.js';

/** Runs parameters through edits, in order, and gives back what comes out: the stream as a list, for callers that hold one. */
export function applyEdits(parameters: Parameter[], ...edits: OperatorFunction<Parameter, Parameter>[]): Promise<Parameter[]> {
  return lastValueFrom(from(parameters).pipe(...(edits as [OperatorFunction<Parameter, Parameter>]), toArray()));
}
