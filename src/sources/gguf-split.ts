import { basename, dirname, join } from 'node:path';
import { FormatError } from '../errors.js';
import type { GgufHeader } from '../formats/gguf/decode.js';
import { RandomAccessFile } from '../io/inputs/random-access-file.js';
import type { ReadableFile } from '../io/inputs/readable-file.js';
import type { Parameter } from '../model/parameter.js';
import { ggufParameters, readGgufHeader } from './gguf.js';
import { append } from '../append.js';

/** `split.no` (0-based) and `split.count` of a gguf-split shard, or undefined for a whole file. */
export function splitPosition(header: GgufHeader): { no: number; count: number } | undefined {
  const count = header.kv.get('split.count')?.value;
  const no = header.kv.get('split.no')?.value;
  if (typeof count !== 'number' || typeof no !== 'number' || count < 2) return undefined;
  return { no, count };
}

const SHARD_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** Whether a file name reads as the first shard of a split (`NAME-00001-of-0000N.gguf`). */
export const isFirstShardName = (name: string) => SHARD_NAME.exec(name)?.[2] === '00001';

/**
 * The names of a split's other shards, in order, by llama.cpp's naming
 * (`NAME-0000K-of-0000N.gguf`) from the first's; `file` is named if it does not follow it.
 */
export function otherShardNames(firstName: string, count: number, file: string): string[] {
  const m = SHARD_NAME.exec(firstName);
  const number = (n: number) => String(n).padStart(5, '0');
  if (!m) throw new FormatError(file, undefined, `is shard 1 of a ${count}-file split, but its name does not follow NAME-00001-of-${number(count)}.gguf, so the others cannot be found`);
  return Array.from({ length: count - 1 }, (_, i) => `${m[1]}-${number(i + 2)}-of-${number(count)}.gguf`);
}

/** A shard's parameters, once its header says it is shard `no` (0-based) of `count`. */
export async function readShard(file: ReadableFile, no: number, count: number, firstPath: string, scope: string): Promise<Parameter[]> {
  const header = await readGgufHeader(file);
  const position = splitPosition(header);
  if (!position || position.count !== count || position.no !== no) {
    const said = position ? `split.no ${position.no} of split.count ${position.count}` : 'no split keys';
    throw new FormatError(file.path, undefined, `expected shard split.no ${no} of ${count} of ${firstPath}, but the file has ${said}`);
  }
  return ggufParameters(file.path, header, scope);
}

/**
 * The parameters of a whole llama.cpp split set, from its first shard's
 * header and parameters: `readOther(no)` gives those of shard `no` (0-based,
 * checked with `readShard`), read in order; `fail` reports a set that does
 * not add up, as the first shard's error.
 */
export async function readGgufSplit(
  first: GgufHeader,
  firstParameters: Parameter[],
  readOther: (no: number) => Promise<Parameter[]>,
  fail: (detail: string) => never,
): Promise<{ parameters: Parameter[]; notes: string[] }> {
  const { count } = splitPosition(first)!;
  const parameters = [...firstParameters];
  for (let no = 1; no < count; ++no) append(parameters, (await readOther(no)));
  const total = first.kv.get('split.tensors.count')?.value;
  if (typeof total === 'number' && total !== parameters.length) fail(`split.tensors.count says ${total} tensors, but the ${count} shards hold ${parameters.length}`);
  return { parameters, notes: [`read as one with its ${count - 1} other shards`] };
}

/** A split whose shards are files beside the first. */
export function readGgufSplitFiles(firstPath: string, first: GgufHeader, scope: string): Promise<{ parameters: Parameter[]; notes: string[] }> {
  const { count } = splitPosition(first)!;
  const names = otherShardNames(basename(firstPath), count, firstPath);
  const readOther = async (no: number) => {
    const file = await RandomAccessFile.open(join(dirname(firstPath), names[no - 1]!));
    try {
      return await readShard(file, no, count, firstPath, scope);
    } finally {
      await file.close();
    }
  };
  return readGgufSplit(first, ggufParameters(firstPath, first, scope), readOther, (detail) => {
    throw new FormatError(firstPath, undefined, detail);
  });
}
