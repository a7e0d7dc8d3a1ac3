import { checksumMatches } from '../formats/tar/header.js';

/** Bytes to read from the start of a file to tell its format (a tar header is a block of 512). */
export const SNIFF_BYTES = 512;

const ascii = (head: Uint8Array, start: number, end: number) => String.fromCharCode(...head.subarray(start, end));

/**
 * Every format paramflow reads, told apart by its first bytes (never by its
 * name), tried in this order; the readers in open.ts are keyed by the same
 * names. A tar's first bytes are its first member's name, so its header
 * (magic and checksum) is checked first.
 */
export type FormatName = 'irpa' | 'gguf' | 'safetensors' | 'safetensors-index' | 'tar';

const SIGNATURES: Record<FormatName, { title: string; matches: (head: Uint8Array) => boolean }> = {
  tar: { title: 'a tar of parameter files', matches: (head) => head.length >= 512 && ascii(head, 257, 262) === 'ustar' && checksumMatches(head) },
  irpa: { title: 'an IRPA archive', matches: (head) => head.length >= 4 && ascii(head, 0, 4) === 'IRPA' },
  gguf: { title: 'a GGUF file', matches: (head) => head.length >= 4 && ascii(head, 0, 4) === 'GGUF' },
  // A u64 JSON header length, then the JSON object.
  safetensors: { title: 'a safetensors file', matches: (head) => head.length >= 9 && head[8] === 0x7b /* { */ },
  // A sharded checkpoint's index (model.safetensors.index.json): JSON text.
  'safetensors-index': { title: 'a safetensors index', matches: (head) => Array.from(head).find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) === 0x7b },
};

export function detectFormat(head: Uint8Array): FormatName | undefined {
  return (Object.keys(SIGNATURES) as FormatName[]).find((name) => SIGNATURES[name].matches(head));
}

/** A file paramflow does not read, named by its first bytes where they say what it is. */
export function describeHead(head: Uint8Array): string {
  if (head.length === 0) return 'the file is empty';
  const unsupported = 'PyTorch checkpoints are not supported yet; save it as safetensors first';
  // A zip's local file header: torch.save's archive since PyTorch 1.6.
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return `a zip archive, the form of a PyTorch checkpoint (.pt, .pth, pytorch_model.bin): ${unsupported}`;
  // A pickle (protocol 2 to 5): the legacy torch.save format starts with one holding its magic number.
  if (head[0] === 0x80 && head[1] !== undefined && head[1] >= 2 && head[1] <= 5) return `a Python pickle, the form of a legacy PyTorch checkpoint: ${unsupported}`;
  if (head.length >= 512 && head.every((b) => b === 0)) return `no header: the first ${head.length} bytes are all zero (as in a tar with no members)`;
  const shown = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `unrecognized format (first bytes: ${shown}); expected one of: ${Object.values(SIGNATURES).map((s) => s.title).join(', ')}`;
}
