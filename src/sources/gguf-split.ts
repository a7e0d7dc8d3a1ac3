import { basename, dirname, join } from 'node:path';
import { FormatError } from '../errors.js';
import type { GgufHeader } from '../formats/gguf/decode.js';
import { RandomAccessFile } from '../io/random-access-file.js';
import type { Parameter } from '../model/parameter.js';
import { ggufParameters, readGgufHeader } from './gguf.js';

/** `split.no` (0-based) and `split.count` of a gguf-split shard, or undefined for a whole file. */
export function splitPosition(header: GgufHeader): { no: number; count: number } | undefined {
  const count = header.kv.get('split.count')?.value;
  const no = header.kv.get('split.no')?.value;
  if (typeof count !== 'number' || typeof no !== 'number' || count < 2) return undefined;
  return { no, count };
}

const SHARD_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/**
 * The parameters of a whole llama.cpp split set, given its first shard
 * (`NAME-00001-of-0000N.gguf`): every shard is found beside it by name, must
 * say it is that shard (`split.no`) of the same count, and is read in order.
 */
export async function readGgufSplit(firstPath: string, first: GgufHeader, scope: string): Promise<{ parameters: Parameter[]; notes: string[] }> {
  const { count } = splitPosition(first)!;
  const m = SHARD_NAME.exec(basename(firstPath));
  if (!m) {
    throw new FormatError(firstPath, undefined, `is shard 1 of a ${count}-file split, but its name does not follow NAME-00001-of-${String(count).padStart(5, '0')}.gguf, so the others cannot be found`);
  }
  const parameters = ggufParameters(firstPath, first, scope);
  const total = first.kv.get('split.tensors.count')?.value;
  for (let no = 1; no < count; ++no) {
    const path = join(dirname(firstPath), `${m[1]}-${String(no + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`);
    const file = await RandomAccessFile.open(path);
    try {
      const header = await readGgufHeader(file);
      const position = splitPosition(header);
      if (!position || position.count !== count || position.no !== no) {
        const said = position ? `split.no ${position.no} of split.count ${position.count}` : 'no split keys';
        throw new FormatError(path, undefined, `expected shard split.no ${no} of ${count} of ${firstPath}, but the file has ${said}`);
      }
      parameters.push(...ggufParameters(path, header, scope));
    } finally {
      await file.close();
    }
  }
  const notes = [`read as one with its ${count - 1} other shards`];
  if (typeof total === 'number' && total !== parameters.length) {
    throw new FormatError(firstPath, undefined, `split.tensors.count says ${total} tensors, but the ${count} shards hold ${parameters.length}`);
  }
  return { parameters, notes };
}
