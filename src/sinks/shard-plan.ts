import { basename } from 'node:path';
import type { Parameter } from '../model/parameter.js';
import { OUTPUT_FORMATS, type OutputFormatName } from './output-formats.js';

export interface ShardPolicy {
  /** Bytes per shard at most (a parameter larger than this gets a shard of its own). */
  maxShardBytes?: number;
  /** Parameters per shard at most. */
  maxShardParams?: number;
  /** Exactly this many shards (fewer if there are fewer parameters), balanced by bytes. */
  shards?: number;
}

/**
 * Splits parameters, in order, into shards; a parameter is never split.
 * `bytesOf` says what a parameter costs in the target format.
 */
export function planShards(parameters: Parameter[], policy: ShardPolicy, bytesOf: (p: Parameter) => number, warn?: (message: string) => void): Parameter[][] {
  if (parameters.length === 0) return [[]];
  if (policy.shards !== undefined) return balanced(parameters, Math.min(policy.shards, parameters.length), bytesOf);
  const shards: Parameter[][] = [];
  let current: Parameter[] = [];
  let bytes = 0;
  for (const p of parameters) {
    const size = bytesOf(p);
    const full =
      current.length > 0 &&
      ((policy.maxShardBytes !== undefined && bytes + size > policy.maxShardBytes) || (policy.maxShardParams !== undefined && current.length >= policy.maxShardParams));
    if (full) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    if (policy.maxShardBytes !== undefined && size > policy.maxShardBytes) {
      warn?.(`parameter '${p.key}' (${size} bytes) is larger than the shard size limit (${policy.maxShardBytes}); it gets a shard of its own`);
    }
    current.push(p);
    bytes += size;
  }
  shards.push(current);
  return shards;
}

/** N shards whose boundaries fall nearest to equal shares of the bytes, each holding at least one parameter. */
function balanced(parameters: Parameter[], count: number, bytesOf: (p: Parameter) => number): Parameter[][] {
  const total = parameters.reduce((n, p) => n + bytesOf(p), 0);
  const shards: Parameter[][] = [[]];
  let seen = 0;
  parameters.forEach((p, i) => {
    const left = parameters.length - i;
    const shardsLeft = count - shards.length;
    const current = shards.at(-1)!;
    const boundary = (total * shards.length) / count;
    // Start the next shard when this one has its share, or when every remaining shard needs a parameter.
    if (current.length > 0 && shardsLeft > 0 && (seen + bytesOf(p) / 2 > boundary || left <= shardsLeft)) shards.push([]);
    shards.at(-1)!.push(p);
    seen += bytesOf(p);
  });
  return shards;
}

/** `PREFIX-00001-of-00003.EXT`, as gguf-split and Hugging Face name shards. */
export function shardName(prefix: string, index: number, count: number, extension: string): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}-${pad(index + 1)}-of-${pad(count)}.${extension}`;
}

/**
 * The shard prefix a set takes by default. A safetensors set is `model`, the
 * name Hugging Face's loaders look for (`model.safetensors.index.json`);
 * IRPA and GGUF sets take the first input's name without its extensions and
 * shard numbering (`Llama-3-8B.gguf` and `Llama-3-8B-00001-of-00004.gguf`
 * give `Llama-3-8B`), or `model` when that leaves no usable name (standard
 * input, odd characters).
 */
export function defaultShardPrefix(format: OutputFormatName, inputs: string[]): string {
  const first = inputs[0];
  const fixed = OUTPUT_FORMATS[format].setPrefix;
  if (fixed) return fixed;
  if (first === undefined || first === '-') return 'model';
  const name = basename(first)
    .replace(/\.(safetensors\.index\.json|index\.json|safetensors|gguf|irpa|tar|json|bin)$/i, '')
    .replace(/-\d{5}-of-\d{5}$/, '');
  return /^[\w-][\w.-]*$/.test(name) ? name : 'model';
}
