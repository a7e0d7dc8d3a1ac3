import type { FileCache } from '../io/file-cache.js';
import type { OperatorFunction } from 'rxjs';
import { UsageError } from '../errors.js';
import type { Parameter } from '../model/parameter.js';
import { loadIndex, type LoadedIndex, type ParameterFileRef } from '../sources/load-index.js';
import type { OpenedSource } from '../sources/open.js';
import { applyEdits } from '../transforms/apply-edits.js';

/** `--parameters=[SCOPE=]FILE`, split at the first `=` as IREE does. */
export function parseParameterFlag(value: string): ParameterFileRef {
  const eq = value.indexOf('=');
  const ref = eq < 0 ? { scope: '', path: value } : { scope: value.slice(0, eq), path: value.slice(eq + 1) };
  if (ref.path === '') throw new UsageError(`--parameters=${value} names no file`);
  return ref;
}

/** Opens every file named by --parameters flags and indexes them by scope; `note` hears what is worth telling; `inputs` holds standard input. */
export function loadParameterIndex(values: string[], note?: (message: string) => void, inputs?: FileCache): Promise<LoadedIndex> {
  return loadIndex(values.map(parseParameterFlag), note, undefined, inputs);
}

/**
 * Opens the --parameters inputs and runs the parameter stream through the
 * given edits, for commands that write what they read (convert, reshard).
 */
export async function loadEdited(values: string[], edits: OperatorFunction<Parameter, Parameter>, note: (message: string) => void, inputs: FileCache): Promise<{ parameters: Parameter[]; sources: OpenedSource[] }> {
  const { index, sources } = await loadParameterIndex(values, note, inputs);
  return { parameters: await applyEdits(index.all(), edits), sources };
}
