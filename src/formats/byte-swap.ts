import { ggmlType } from './gguf/types.js';

/**
 * What changes in a payload when its byte order does: within every block of
 * `period` bytes, each [offset, width] field is reversed. Cuts of a payload
 * that is swapped fall on block boundaries.
 */
export interface ByteSwap {
  period: number;
  fields: readonly (readonly [number, number])[];
}

const cache = new Map<number, ByteSwap | undefined>();

/** The swap of a ggml type's payload (field by field for quant blocks), or undefined when its bytes read the same both ways. */
export function ggmlByteSwap(typeId: number): ByteSwap | undefined {
  if (!cache.has(typeId)) {
    const type = ggmlType(typeId);
    cache.set(typeId, type?.swap ? { period: type.blockBytes, fields: type.swap } : undefined);
  }
  return cache.get(typeId);
}

/** Reverses the fields of every whole block of `bytes` in place; `bytes` starts on a block boundary. */
export function swapBytes(bytes: Uint8Array, swap: ByteSwap): void {
  const { period, fields } = swap;
  const whole = bytes.length - (bytes.length % period);
  const only = fields.length === 1 ? fields[0]! : undefined;
  if (only && only[0] === 0 && only[1] === period && (period === 2 || period === 4 || period === 8)) {
    // Plain elements: Node's own swaps, many times faster than a loop.
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, whole);
    if (period === 2) view.swap16();
    else if (period === 4) view.swap32();
    else view.swap64();
    return;
  }
  for (let block = 0; block < whole; block += period) {
    for (const [offset, width] of fields) bytes.subarray(block + offset, block + offset + width).reverse();
  }
}
