import { PAGE_BYTES, pageOffsetOf, pageResidue } from './page-offset.js';

/**
 * A buffer a page larger than asked, so a view of the asked size can start
 * wherever in a page a copy needs it (see isSlowShift: the kernel's copies into
 * and out of buffers are slow at some page offsets).
 */
export class PlaceableBuffer {
  private constructor(
    private readonly bytes: Buffer,
    /** Where `bytes` starts within a page; undefined when unknown. */
    private readonly pageOffset: number | undefined,
    readonly size: number,
  ) {}

  /** `shared`: backed by a SharedArrayBuffer, for a worker thread to copy through. */
  static allocate(size: number, { shared = false } = {}): PlaceableBuffer {
    const bytes = shared ? Buffer.from(new SharedArrayBuffer(size + PAGE_BYTES)) : Buffer.allocUnsafe(size + PAGE_BYTES);
    return new PlaceableBuffer(bytes, pageOffsetOf(bytes), size);
  }

  /** `size` bytes starting at an address that is `residue` modulo the page size (anywhere, when the address is unknown). */
  at(residue: number): Buffer {
    const skip = this.pageOffset === undefined ? 0 : pageResidue(residue - this.pageOffset);
    return this.bytes.subarray(skip, skip + this.size);
  }
}
