import type { FileCache } from '../io/inputs/file-cache.js';
import { UsageError } from '../errors.js';
import { loadIndex, type LoadedIndex, type ParameterFileRef } from '../sources/load-index.js';

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
