import { FormatError } from '../../errors.js';
import type { ScalarCodec } from './types.js';

/** Thrown when a parse needs bytes past the window it was given (not past the file). */
export class NeedMoreBytes extends Error {
  constructor(readonly atLeast: number) {
    super(`need ${atLeast} bytes`);
  }
}

// A byte-order mark is text, not a marker, inside a GGUF string: keep it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Sequential reads of a GGUF file's leading bytes in either byte order. The
 * window may end before the file does: reading past it asks the caller for a
 * larger window; reading past the file is a format error.
 */
export class GgufCursor {
  pos = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly fileSize: number,
    public littleEndian = true,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(offset: number, detail: string): never {
    throw new FormatError(this.file, offset, detail);
  }

  /** Bytes left in the file (not the window) after the cursor. */
  get remaining(): number {
    return this.fileSize - this.pos;
  }

  private need(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.fileSize) this.fail(at, `truncated file: ${what} needs ${n} bytes, only ${Math.max(0, this.fileSize - at)} left`);
    if (at + n > this.bytes.length) throw new NeedMoreBytes(at + n);
    this.pos += n;
    return at;
  }

  /** A fixed-size value of `type` (see SCALARS). */
  scalar(codec: ScalarCodec, what: string): number | bigint | boolean {
    return codec.get(this.view, this.need(codec.size, what), this.littleEndian);
  }

  u32(what: string): number {
    return this.view.getUint32(this.need(4, what), this.littleEndian);
  }
  u64big(what: string): bigint {
    return this.view.getBigUint64(this.need(8, what), this.littleEndian);
  }

  /** A u64 count or offset, refused when it cannot be a real one. */
  u64(what: string): number {
    const at = this.pos;
    const value = this.u64big(what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(at, `${what} ${value} is out of range`);
    return Number(value);
  }

  /** Moves past `n` bytes. */
  skip(n: number, what: string): void {
    this.need(n, what);
  }

  /** Moves past a u64-length-prefixed string, checking its length, without a BigInt or a copy (arrays hold millions). */
  skipString(what: string): void {
    const at = this.need(8, `${what} length`);
    const low = this.view.getUint32(at + (this.littleEndian ? 0 : 4), this.littleEndian);
    const high = this.view.getUint32(at + (this.littleEndian ? 4 : 0), this.littleEndian);
    const length = high * 2 ** 32 + low;
    if (length > this.remaining) this.fail(at, `${what} length ${BigInt(high) * 2n ** 32n + BigInt(low)} is larger than the rest of the file (${this.remaining} bytes)`);
    this.need(length, what);
  }

  /** A u64-length-prefixed string's bytes, exactly as stored (a copy: the window is not kept). */
  stringBytes(what: string): Uint8Array {
    const at = this.pos;
    const length = this.u64big(`${what} length`);
    if (length > BigInt(this.remaining)) this.fail(at, `${what} length ${length} is larger than the rest of the file (${this.remaining} bytes)`);
    const start = this.need(Number(length), what);
    return this.bytes.slice(start, start + Number(length));
  }

  /** A u64-length-prefixed string decoded as UTF-8, for names the reader matches on (keys, tensor names). */
  string(what: string): string {
    return utf8.decode(this.stringBytes(what));
  }
}
