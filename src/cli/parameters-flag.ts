import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { ParameterIndex } from '../model/parameter-index.js';
import { openSource, type OpenedSource } from '../sources/open.js';

export interface ParameterFileRef {
  scope: string;
  path: string;
}

/** `--parameters=[SCOPE=]FILE`, split at the first `=` as IREE does. */
export function parseParameterFlag(value: string): ParameterFileRef {
  const eq = value.indexOf('=');
  const ref = eq < 0 ? { scope: '', path: value } : { scope: value.slice(0, eq), path: value.slice(eq + 1) };
  if (ref.path === '') throw new UsageError(`--parameters=${value} names no file`);
  return ref;
}

export interface LoadedIndex {
  index: ParameterIndex;
  sources: OpenedSource[];
}

/** Opens every file named by --parameters flags and indexes them by scope; `note` hears what is worth telling. */
export async function loadParameterIndex(values: string[], note?: (message: string) => void): Promise<LoadedIndex> {
  const index = new ParameterIndex();
  const sources: OpenedSource[] = [];
  for (const ref of values.map(parseParameterFlag)) {
    const source = await openSource(ref.path, ref.scope);
    sources.push(source);
    for (const message of source.notes) note?.(`${source.path}: ${message}`);
    index.addScope(ref.scope);
    for (const p of source.parameters) index.add(p);
  }
  return { index, sources };
}

/**
 * Opens the --parameters inputs and runs the parameter stream through the
 * given edits, for commands that write what they read (convert, reshard).
 */
export async function loadEdited(values: string[], edits: OperatorFunction<Parameter, Parameter>, note: (message: string) => void): Promise<{ parameters: Parameter[]; sources: OpenedSource[] }> {
  const { index, sources } = await loadParameterIndex(values, note);
  return { parameters: await lastValueFrom(from(index.all()).pipe(edits, toArray())), sources };
}
