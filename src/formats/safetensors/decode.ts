import { FormatError } from '../../errors.js';
import { MAX_HEADER_BYTES, SAFETENSORS_DTYPE_BITS } from './dtypes.js';
import { readCanonicalTensor } from './canonical-tensor.js';
import { forEachMember, JsonSyntaxError } from './json-members.js';
import { firstInvalidUtf8, hasLoneSurrogate } from '../utf8.js';
import { MAX_RANK } from '../element-type.js';

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range relative to the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Bytes of the JSON header (the u64 length field not counted). */
  headerLength: number;
  /** Absolute file offset of the data section: 8 + headerLength. */
  dataOffset: number;
  /** Tensors in header order. */
  tensors: SafetensorsTensor[];
  metadata: Record<string, string> | undefined;
}

/** Reads and checks the u64 header length; returns it. */
export function decodeHeaderLength(first8: Uint8Array, file: string, fileSize: number): number {
  if (first8.length < 8) throw new FormatError(file, 0, `truncated safetensors file: ${fileSize} bytes, the header length alone takes 8`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new FormatError(file, 0, `safetensors header length ${n} is larger than the format's ${MAX_HEADER_BYTES}-byte limit`);
  if (8n + n > BigInt(fileSize)) throw new FormatError(file, 0, `safetensors header length ${n} runs past the end of the file (${fileSize} bytes)`);
  return Number(n);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Decodes and validates the JSON header: known dtypes, offsets inside the
 * data section that match shape × dtype, no overlaps, no holes, unique keys,
 * `__metadata__` a string-to-string map. `fileSize` is undefined for a
 * stream whose end is still to come: then nothing is checked against it.
 */
export function decodeSafetensorsHeader(json: Uint8Array, file: string, fileSize: number | undefined): SafetensorsHeader {
  const headerLength = json.length;
  const dataOffset = 8 + headerLength;
  const dataSize = fileSize === undefined ? Infinity : fileSize - dataOffset;
  const text = decodeUtf8(json, file);
  // The byte offset of a key is worked out only when there is an error to report.
  const failAt = (at: number) => (detail: string): never => {
    throw new FormatError(file, 8 + Buffer.byteLength(text.slice(0, at)), detail);
  };
  const seen = new Set<string>();
  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> | undefined;
  // One hash of each key, not two: a header may hold 100,000.
  const claim = (key: string, at: number) => {
    const before = seen.size;
    if (seen.add(key).size === before) failAt(at)(`key '${key}' appears twice in the header`);
    if (hasLoneSurrogate(key)) failAt(at)(`key ${JSON.stringify(key)} holds half of a surrogate pair, which no UTF-8 name can hold`);
  };
  try {
    forEachMember(
      text,
      (at) => {
        const t = readCanonicalTensor(text, at);
        // `__metadata__` is never a tensor, whatever its value looks like.
        if (t === undefined || t.name === '__metadata__') return -1;
        claim(t.name, at);
        const wrong = checkTensor(t, dataSize);
        if (wrong !== undefined) return failAt(at)(wrong);
        // Kept as read (its end index rides along): 100,000 tensors need no second object each.
        tensors.push(t);
        return t.valueEnd;
      },
      (key, value, at) => {
        claim(key, at);
        const fail = failAt(at);
        if (key !== '__metadata__') return void tensors.push(decodeTensor(key, value, fail, dataSize));
        if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('__metadata__ is not an object');
        for (const [k, v] of Object.entries(value as object)) {
          if (typeof v !== 'string') fail(`__metadata__ value of '${k}' is not a string`);
          if (hasLoneSurrogate(k) || hasLoneSurrogate(v)) fail(`__metadata__ entry ${JSON.stringify(k)} holds half of a surrogate pair, which no UTF-8 text can hold`);
        }
        metadata = value as Record<string, string>;
      },
    );
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    failAt(error.at)(`safetensors header is not a valid JSON object: ${error.message}`);
  }
  checkCoverage(tensors, dataSize, file, dataOffset);
  return { headerLength, dataOffset, tensors, metadata };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The header as text; as the safetensors library does, a header that is not UTF-8 is refused, at its first bad byte. */
function decodeUtf8(json: Uint8Array, file: string): string {
  try {
    return strictUtf8.decode(json);
  } catch {
    const invalid = Math.max(0, firstInvalidUtf8(json));
    throw new FormatError(file, 8 + invalid, `safetensors header is not valid UTF-8 (byte 0x${json[invalid]!.toString(16).padStart(2, '0')})`);
  }
}

/** A tensor member read by JSON.parse: its fields must have the right types. */
function decodeTensor(name: string, value: unknown, fail: (detail: string) => never, dataSize: number): SafetensorsTensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`tensor '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor '${name}' has no dtype`);
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}' shape is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) fail(`tensor '${name}' data_offsets is not [begin, end]`);
  const [begin, end] = offsets as [number, number];
  const tensor = { name, dtype: dtype as string, shape: shape as number[], begin, end };
  const wrong = checkTensor(tensor, dataSize);
  return wrong === undefined ? tensor : fail(wrong);
}

/** What is wrong with a tensor, if anything: its dtype, offsets and shape must agree and lie inside the data section. */
function checkTensor({ name, dtype, shape, begin, end }: SafetensorsTensor, dataSize: number): string | undefined {
  if (!Object.hasOwn(SAFETENSORS_DTYPE_BITS, dtype)) return `tensor '${name}' has unknown dtype '${dtype}'`;
  const bits = SAFETENSORS_DTYPE_BITS[dtype]!;
  if (begin > end) return `tensor '${name}' data_offsets [${begin}, ${end}] end before they begin`;
  if (end > dataSize) return `tensor '${name}' data_offsets [${begin}, ${end}] run past the data section (${dataSize} bytes)`;
  if (shape.length > MAX_RANK) return `tensor '${name}' has ${shape.length} dimensions; at most ${MAX_RANK} are allowed`;
  let elements = 1;
  for (const d of shape) {
    elements *= d;
    if (elements > Number.MAX_SAFE_INTEGER) return `tensor '${name}' shape [${shape.join(', ')}] has more elements than any file can hold`;
  }
  // elements × bits / 8, kept exact for sub-byte types and large counts.
  if (((elements % 8) * bits) % 8 !== 0) return `tensor '${name}' of ${elements} ${dtype} elements does not fill whole bytes`;
  const bytes = Math.floor(elements / 8) * bits + ((elements % 8) * bits) / 8;
  if (bytes !== end - begin) return `tensor '${name}' data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${bytes}`;
  return undefined;
}

/** Tensors must tile the data section: no overlaps, no holes, nothing after the last. */
function checkCoverage(tensors: SafetensorsTensor[], dataSize: number, file: string, dataOffset: number): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: SafetensorsTensor | undefined;
  for (const t of sorted) {
    if (t.begin < cursor) {
      throw new FormatError(file, dataOffset + t.begin, `tensors '${previous!.name}' and '${t.name}' overlap (bytes ${t.begin} to ${Math.min(cursor, t.end)})`);
    }
    if (t.begin > cursor) throw new FormatError(file, dataOffset + cursor, `${t.begin - cursor} bytes before tensor '${t.name}' belong to no tensor`);
    cursor = t.end;
    previous = t;
  }
  if (cursor !== dataSize && dataSize !== Infinity) throw new FormatError(file, dataOffset + cursor, `${dataSize - cursor} bytes at the end of the file belong to no tensor`);
}
