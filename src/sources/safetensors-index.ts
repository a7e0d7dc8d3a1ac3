import { dirname, join } from 'node:path';
import { FormatError } from '../errors.js';
import type { ReadableFile } from '../io/inputs/readable-file.js';
import type { Parameter } from '../model/parameter.js';
import { append } from '../append.js';

/** Index files of real checkpoints are a few MiB; past this one is refused unread. */
export const MAX_INDEX_BYTES = 64 * 2 ** 20;

export interface SafetensorsIndex {
  totalSize?: number;
  /** Tensor name -> shard file name, in the index's order. */
  weightMap: Map<string, string>;
}

/** Reads `model.safetensors.index.json`: `metadata.total_size` and `weight_map`. */
export async function readSafetensorsIndex(file: ReadableFile): Promise<SafetensorsIndex> {
  if (file.size > MAX_INDEX_BYTES) throw new FormatError(file.path, 0, `index of ${file.size} bytes is larger than the ${MAX_INDEX_BYTES}-byte limit`);
  const text = new TextDecoder().decode(await file.read(0, file.size, 'index'));
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new FormatError(file.path, 0, `not valid JSON: ${(error as Error).message}`);
  }
  const map = (root as { weight_map?: unknown })?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new FormatError(file.path, 0, 'not a safetensors index: no weight_map object');
  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard === '' || shard.includes('/') || shard.includes('\\') || shard === '..') {
      throw new FormatError(file.path, undefined, `weight_map entry '${tensor}' names '${String(shard)}', not a shard file beside the index`);
    }
    weightMap.set(tensor, shard);
  }
  const totalSize = (root as { metadata?: { total_size?: unknown } }).metadata?.total_size;
  return { weightMap, ...(typeof totalSize === 'number' ? { totalSize } : {}) };
}

/**
 * Reads every shard an index names, in name order (as Hugging Face's loaders
 * take them: `model-00001-of-00003` first, whatever order the weight_map
 * lists keys in), and checks each tensor of the weight_map is in the shard
 * it names. Each shard's tensors come in file order.
 */
export async function readIndexedShards(
  indexPath: string,
  index: SafetensorsIndex,
  open: (path: string) => Promise<Parameter[]>,
): Promise<{ parameters: Parameter[]; notes: string[] }> {
  const shards = [...new Set(index.weightMap.values())].sort();
  const parameters: Parameter[] = [];
  const notes: string[] = [];
  for (const shard of shards) {
    const path = join(dirname(indexPath), shard);
    const held = await open(path);
    const names = new Set(held.map((p) => p.key));
    for (const [tensor, named] of index.weightMap) {
      if (named === shard && !names.has(tensor)) throw new FormatError(indexPath, undefined, `weight_map puts '${tensor}' in ${shard}, which does not hold it`);
    }
    const unlisted = held.filter((p) => index.weightMap.get(p.key) !== shard);
    if (unlisted.length > 0) notes.push(`${shard} holds ${unlisted.length} tensors the weight_map does not list there (first: '${unlisted[0]!.key}'); they are left out`);
    append(parameters, held.filter((p) => index.weightMap.get(p.key) === shard));
  }
  const total = parameters.reduce((n, p) => n + p.length, 0);
  if (index.totalSize !== undefined && index.totalSize !== total) notes.push(`metadata.total_size says ${index.totalSize} bytes; the shards hold ${total}`);
  return { parameters, notes };
}
