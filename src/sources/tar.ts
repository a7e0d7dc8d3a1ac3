import { posix } from 'node:path';
import { FormatError } from '../errors.js';
import { mergeMetadata, type FileMetadata } from '../formats/file-metadata.js';
import type { GgufHeader } from '../formats/gguf/decode.js';
import { BLOCK, decodeTarHeader, isZeroBlock, paxRecords } from '../formats/tar/header.js';
import type { RandomAccessFile } from '../io/inputs/random-access-file.js';
import type { Parameter } from '../model/parameter.js';
import { detectFormat, SNIFF_BYTES, type FormatName } from './detect.js';
import { ggufFileMetadata, ggufParameters, readGgufHeader } from './gguf.js';
import { isFirstShardName, otherShardNames, readGgufSplit, readShard, splitPosition } from './gguf-split.js';
import { readIndexedShards, readSafetensorsIndex, type SafetensorsIndex } from './safetensors-index.js';
import { append } from '../append.js';

export interface TarMember {
  name: string;
  /** Offset of the member's bytes in the tar file. */
  offset: number;
  size: number;
}

/** Caps on what a tar file may make the reader hold. */
const MAX_LONG_NAME = 64 * 1024;
const MAX_MEMBERS = 1_000_000;

/**
 * Walks a tar file's headers and lists its regular files, each with where
 * its bytes lie; directories, links and devices are left out (links are never
 * followed). A member that runs past the end of the file is an error naming it.
 */
export async function readTarMembers(file: RandomAccessFile): Promise<{ members: TarMember[]; skipped: string[] }> {
  const members: TarMember[] = [];
  const skipped: string[] = [];
  let longName: string | undefined;
  let paxSize: number | undefined;
  for (let at = 0; at + BLOCK <= file.size; ) {
    const block = await file.read(at, BLOCK, 'tar header');
    if (isZeroBlock(block)) break;
    const header = decodeTarHeader(block);
    if (typeof header === 'string') throw new FormatError(file.path, at, header);
    const data = at + BLOCK;
    // A pax size record stands for the header's own field (members of 8 GiB and more).
    const size = paxSize ?? header.size;
    if (data + size > file.size) {
      throw new FormatError(file.path, at, `tar member '${longName ?? header.name}' (${size} bytes) runs past the end of the file (${file.size} bytes): the tar is truncated`);
    }
    const name = longName ?? header.name;
    longName = undefined;
    paxSize = undefined;
    if (header.type === 'L' || header.type === 'x') {
      if (size > MAX_LONG_NAME) throw new FormatError(file.path, at, `tar extended header of ${size} bytes is larger than the ${MAX_LONG_NAME}-byte limit`);
      const bytes = await file.read(data, size, 'tar extended header');
      if (header.type === 'L') longName = new TextDecoder().decode(bytes).replace(/\0+$/, '');
      else {
        const records = paxRecords(bytes);
        if (typeof records === 'string') throw new FormatError(file.path, data, records);
        ({ path: longName, size: paxSize } = records);
      }
    } else if (header.type === '0' || header.type === '7') {
      if (members.length >= MAX_MEMBERS) throw new FormatError(file.path, at, `more than ${MAX_MEMBERS} tar members`);
      members.push({ name, offset: data, size });
    } else if (header.type !== 'g' && header.type !== '5') {
      skipped.push(`'${name}' (${header.type === '1' || header.type === '2' ? 'a link' : `type ${header.type}`})`);
    }
    at = data + Math.ceil(size / BLOCK) * BLOCK;
  }
  return { members, skipped };
}

/** A member's parameters, their offsets moved from the member's start to the tar file's. */
export function rebase(parameters: Parameter[], tar: string, member: TarMember): Parameter[] {
  return parameters.map((p) => {
    const origin = `${tar}:${member.name}`;
    if (p.storage.kind === 'data' && p.storage.source.kind === 'file' && p.storage.source.path === tar) {
      return { ...p, origin, storage: { kind: 'data', source: { ...p.storage.source, offset: p.storage.source.offset + member.offset } } };
    }
    return { ...p, origin };
  });
}

/** Runs `read` on a member; a format error inside it is reported at its place in the tar file. */
export async function inMember<T>(tar: string, member: TarMember, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof FormatError) || error.file !== tar) throw error;
    const offset = error.offset === undefined ? member.offset : Number(error.offset) + member.offset;
    throw new FormatError(tar, offset, `in tar member '${member.name}': ${error.detail}`);
  }
}

type MemberFormat = 'irpa' | 'gguf' | 'safetensors';
type MemberRead = { parameters: Parameter[]; metadata: FileMetadata; notes: string[] };
type MemberReader = (view: RandomAccessFile, format: MemberFormat, scope: string) => Promise<MemberRead>;

/**
 * A tar file's parameters, each member read in place through a window onto
 * the tar. By default each member is a scope of its own named as the member,
 * unless one scope is asked for. A safetensors index inside brings its
 * shards (members beside it) in as one, in the index's place. Members that
 * are not parameter files are skipped with a note. The members' metadata
 * is kept as one output keeps that of several files.
 */
export async function readTarSource(file: RandomAccessFile, scope: string, readMember: MemberReader): Promise<MemberRead> {
  const { members, skipped } = await readTarMembers(file);
  const byName = new Map(members.map((m) => [posix.normalize(m.name), m]));
  const parameters: Parameter[] = [];
  const metadata: FileMetadata[] = [];
  const notes = skipped.map((what) => `tar member ${what} is not a regular file; skipped`);
  const scopeOf = (member: TarMember) => (scope === '' ? member.name : scope);
  const readOne = async (member: TarMember, format: MemberFormat, memberScope: string) => {
    const read = await inMember(file.path, member, () => readMember(file.window(member.offset, member.size), format, memberScope));
    append(notes, read.notes.map((n) => `tar member '${member.name}': ${n}`));
    metadata.push(read.metadata);
    return rebase(read.parameters, file.path, member);
  };
  const formats = new Map<TarMember, FormatName | undefined>();
  for (const member of members) {
    formats.set(member, detectFormat(await file.window(member.offset, member.size).read(0, Math.min(SNIFF_BYTES, member.size), 'member header')));
  }
  // Shards an index names are read with it, not on their own.
  const indexes = new Map<TarMember, SafetensorsIndex>();
  const claimed = new Set<TarMember>();
  for (const member of members.filter((m) => formats.get(m) === 'safetensors-index')) {
    const index = await inMember(file.path, member, () => readSafetensorsIndex(file.window(member.offset, member.size)));
    indexes.set(member, index);
    for (const shard of index.weightMap.values()) {
      const found = byName.get(posix.join(posix.dirname(member.name), shard));
      if (found) claimed.add(found);
    }
  }
  // So are the other shards of a GGUF split, read with its first.
  const splits = new Map<TarMember, GgufHeader>();
  for (const member of members.filter((m) => formats.get(m) === 'gguf' && isFirstShardName(posix.basename(m.name)))) {
    const header = await inMember(file.path, member, () => readGgufHeader(file.window(member.offset, member.size)));
    const split = splitPosition(header);
    if (split?.no !== 0) continue;
    splits.set(member, header);
    for (const name of shardMemberNames(member, split.count, file.path)) {
      const found = byName.get(name);
      if (found) claimed.add(found);
    }
  }
  for (const member of members) {
    const format = formats.get(member);
    if (splits.has(member)) {
      const header = splits.get(member)!;
      const read = await readSplitMembers(file, member, header, byName, formats, scopeOf(member));
      metadata.push(ggufFileMetadata(header));
      append(parameters, read.parameters);
      append(notes, read.notes.map((n) => `tar member '${member.name}': ${n}`));
    } else if (format === 'safetensors-index') {
      const read = await readIndexedShards(member.name, indexes.get(member)!, async (path) => {
        const shard = byName.get(posix.normalize(path));
        if (!shard || formats.get(shard) !== 'safetensors') throw new FormatError(file.path, member.offset, `tar member '${member.name}' names shard '${path}', which is not a safetensors member of the tar`);
        return readOne(shard, 'safetensors', scopeOf(member));
      });
      append(parameters, read.parameters);
      append(notes, read.notes.map((n) => `tar member '${member.name}': ${n}`));
    } else if (claimed.has(member)) {
      continue;
    } else if (format === undefined || format === 'tar') {
      notes.push(`tar member '${member.name}' is ${format === undefined ? 'not a parameter file' : 'a tar inside the tar'}; skipped`);
    } else {
      append(parameters, await readOne(member, format, scopeOf(member)));
    }
  }
  return { parameters, metadata: mergeMetadata(metadata), notes };
}

/** Member names of a GGUF split's other shards, beside its first. */
function shardMemberNames(first: TarMember, count: number, tar: string): string[] {
  return otherShardNames(posix.basename(first.name), count, tar).map((name) => posix.join(posix.dirname(first.name), name));
}

/** A GGUF split whose shards are members of the tar, from its first. */
function readSplitMembers(
  file: RandomAccessFile,
  first: TarMember,
  header: GgufHeader,
  byName: Map<string, TarMember>,
  formats: Map<TarMember, FormatName | undefined>,
  scope: string,
): Promise<{ parameters: Parameter[]; notes: string[] }> {
  const { count } = splitPosition(header)!;
  const names = shardMemberNames(first, count, file.path);
  const fail = (detail: string): never => {
    throw new FormatError(file.path, first.offset, `in tar member '${first.name}': ${detail}`);
  };
  const readOther = async (no: number) => {
    const shard = byName.get(names[no - 1]!);
    if (!shard || formats.get(shard) !== 'gguf') return fail(`shard ${no + 1} of ${count}, '${names[no - 1]}', is not a GGUF member of the tar`);
    const view = file.window(shard.offset, shard.size);
    return rebase(await inMember(file.path, shard, () => readShard(view, no, count, first.name, scope)), file.path, shard);
  };
  return readGgufSplit(header, rebase(ggufParameters(file.path, header, scope), file.path, first), readOther, fail);
}
