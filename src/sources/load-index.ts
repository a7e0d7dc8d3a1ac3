import { FileCache } from '../io/inputs/file-cache.js';
import { ParameterIndex } from '../model/parameter-index.js';
import type { FormatName } from './detect.js';
import { openSource, type OpenedSource } from './open.js';

/** A parameter file and the scope its parameters go into. */
export interface ParameterFileRef {
  scope: string;
  path: string;
  /** Read as this format rather than the one its first bytes suggest. */
  format?: FormatName;
}

export interface LoadedIndex {
  index: ParameterIndex;
  sources: OpenedSource[];
}

/**
 * Opens parameter files and indexes them by scope (into `index`, if given);
 * `note` hears what is worth telling; `inputs` holds standard input, for
 * the writers that read it next.
 */
export async function loadIndex(refs: ParameterFileRef[], note?: (message: string) => void, index = new ParameterIndex(), inputs = new FileCache()): Promise<LoadedIndex> {
  const sources: OpenedSource[] = [];
  for (const ref of refs) {
    const source = await openSource(ref.path, ref.scope, ref.format, inputs);
    sources.push(source);
    for (const message of source.notes) note?.(`${source.path}: ${message}`);
    // A tar read into no scope puts each member in a scope of its own: the global one is not one of them.
    if (source.format !== 'tar' || ref.scope !== '') index.addScope(ref.scope);
    for (const p of source.parameters) index.add(p);
  }
  return { index, sources };
}
