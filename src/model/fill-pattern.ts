
/** Default size of the one buffer a byte stream reuses. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Fills `buffer` with `pattern` repeated, from the pattern's first byte. */
export function fillWithPattern(buffer: Uint8Array, pattern: Uint8Array): Uint8Array {
  if (pattern.every((b) => b === 0)) return buffer.fill(0);
  buffer.set(pattern.subarray(0, buffer.length));
  // Doubling copies: log2(n) calls instead of n.
  for (let filled = Math.min(pattern.length, buffer.length); filled < buffer.length; filled *= 2) {
    buffer.copyWithin(filled, 0, Math.min(filled, buffer.length - filled));
  }
  return buffer;
}
