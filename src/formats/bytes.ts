import { FormatError } from '../errors.js';

/**
 * Little-endian reads from a byte span that stands at `base` in `file`, with
 * every read bound-checked. Errors name the absolute offset of the field.
 */
export class ByteSpan {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly base: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  fail(offset: number, detail: string): never {
    throw new FormatError(this.file, this.base + offset, detail);
  }

  private need(offset: number, size: number, what: string): void {
    if (offset < 0 || offset + size > this.bytes.byteLength) {
      this.fail(offset, `${what} runs past the end of the data (needs ${size} bytes, ${Math.max(0, this.bytes.byteLength - offset)} available)`);
    }
  }

  u8(offset: number, what: string): number {
    this.need(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  u64big(offset: number, what: string): bigint {
    this.need(offset, 8, what);
    return this.view.getBigUint64(offset, true);
  }

  /** A u64 that must fit in a JS number (2^53): offsets and lengths of real files always do. */
  u64(offset: number, what: string): number {
    const value = this.u64big(offset, what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(offset, `${what} ${value} is out of range`);
    }
    return Number(value);
  }

  slice(offset: number, length: number, what: string): Uint8Array {
    this.need(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }
}

/** Little-endian writes into a fixed buffer. */
export class ByteWriter {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(offset: number, value: number): void {
    this.view.setUint8(offset, value);
  }

  u16(offset: number, value: number): void {
    this.view.setUint16(offset, value, true);
  }

  u32(offset: number, value: number): void {
    this.view.setUint32(offset, value, true);
  }

  u64(offset: number, value: number | bigint): void {
    if (typeof value === 'bigint') return this.view.setBigUint64(offset, value, true);
    // Two u32 halves: a BigInt per field is slow across 100,000-entry tables.
    this.view.setUint32(offset, value % 2 ** 32, true);
    this.view.setUint32(offset + 4, Math.floor(value / 2 ** 32), true);
  }

  bytesAt(offset: number, value: Uint8Array): void {
    this.bytes.set(value, offset);
  }
}

export function alignUp(value: number, alignment: number): number {
  if (alignment <= 1) return value;
  return Math.ceil(value / alignment) * alignment;
}

export function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && Number.isInteger(Math.log2(value));
}

/** The largest alignment paramflow places data at: 1 GiB (a huge page is 1 GiB; more only spreads a file thin). */
export const MAX_ALIGNMENT = 2 ** 30;

/** Why `value` is no alignment, or undefined when it is one: a power of two, 1 to 1 GiB. */
export function alignmentProblem(value: number): string | undefined {
  if (!isPowerOfTwo(value)) return 'the alignment must be a power of two number of bytes (64, 4096, ...)';
  if (value > MAX_ALIGNMENT) return `the alignment must be at most ${MAX_ALIGNMENT} bytes (1 GiB)`;
  return undefined;
}
