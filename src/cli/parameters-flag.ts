import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { ParameterIndex } from '../model/parameter-index.js';
import type { FormatName } from '../sources/detect.js';
import { openSource, type OpenedSource } from '../sources/open.js';

export interface ParameterFileRef {
  scope: string;
  path: string;
  /** Read as this format rather than the one its first bytes suggest. */
  format?: FormatName;
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
export function loadParameterIndex(values: string[], note?: (message: string) => void): Promise<LoadedIndex> {
  return loadIndex(values.map(parseParameterFlag), note);
}

/** Opens parameter files and indexes them by scope. */
export async function loadIndex(refs: ParameterFileRef[], note?: (message: string) => void, index = new ParameterIndex()): Promise<LoadedIndex> {
  const sources: OpenedSource[] = [];
  for (const ref of refs) {
    const source = await openSource(ref.path, ref.scope, ref.format);
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
