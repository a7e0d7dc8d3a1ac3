/**
 * Tar headers (POSIX ustar, with GNU long names and pax `path` and `size` records), the
 * facts needed to find each member's bytes in a tar file. Pure: no I/O.
 */
export const BLOCK = 512;

export interface TarHeader {
  name: string;
  size: number;
  /** '0' a file, '5' a directory, '1'/'2' links, 'L' a GNU long name, 'x'/'g' pax records, ... */
  type: string;
}

const text = (block: Uint8Array, start: number, length: number) => {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
};

/** An octal number field, or a GNU base-256 one (high bit set) for sizes past 8 GiB. */
function numeric(block: Uint8Array, start: number, length: number): number | undefined {
  if (block[start]! & 0x80) {
    let value = block[start]! & 0x7f;
    for (let i = start + 1; i < start + length; ++i) value = value * 256 + block[i]!;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const digits = text(block, start, length).trim();
  return /^[0-7]*$/.test(digits) ? (digits === '' ? 0 : parseInt(digits, 8)) : undefined;
}

export const isZeroBlock = (block: Uint8Array) => block.every((b) => b === 0);

/** True when a block's checksum field matches its bytes (the field itself counted as spaces). */
export function checksumMatches(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; ++i) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return numeric(block, 148, 8) === sum;
}

/** Decodes one header block; a string says what is wrong with it. */
export function decodeTarHeader(block: Uint8Array): TarHeader | string {
  if (!checksumMatches(block)) return 'header checksum does not match (not a tar header, or a damaged one)';
  const size = numeric(block, 124, 12);
  if (size === undefined) return 'header size field is not a number';
  const ustar = text(block, 257, 6).startsWith('ustar');
  const prefix = ustar ? text(block, 345, 155) : '';
  const name = text(block, 0, 100);
  return { name: prefix ? `${prefix}/${name}` : name, size, type: String.fromCharCode(block[156]! || 0x30) };
}

/** What a pax extended header says of the member after it: its path and its size, where it gives them. */
export interface PaxRecords {
  path?: string;
  /** Sizes of 8 GiB and more (GNU tar --format=posix, Python's tarfile) are given here; the header's field then holds a stand-in. */
  size?: number;
}

/** The `path` and `size` records of pax extended-header data ("LENGTH key=value\n" records, LENGTH in bytes); a size that is no count is a string saying so. */
export function paxRecords(data: Uint8Array): PaxRecords | string {
  const decoder = new TextDecoder();
  const records: PaxRecords = {};
  for (let at = 0; at < data.length; ) {
    const space = data.indexOf(0x20, at);
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (space < 0 || !Number.isSafeInteger(length) || length <= space - at + 1 || at + length > data.length) break;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    if (record.startsWith('path=')) records.path = record.slice(5);
    else if (record.startsWith('size=')) {
      const size = record.slice(5);
      if (!/^\d+$/.test(size) || !Number.isSafeInteger(Number(size))) return `pax size record '${size}' is not a size`;
      records.size = Number(size);
    }
    at += length;
  }
  return records;
}
