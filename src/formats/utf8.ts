/**
 * Where the first byte that breaks UTF-8 stands (an overlong form, an
 * encoded surrogate, a code point past U+10FFFF, a cut sequence), or -1
 * when every byte is in place: a message can then name the byte.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      ++i;
      continue;
    }
    // Sequence length and the range of the second byte (which rules out overlongs, surrogates and past U+10FFFF).
    const [n, low, high] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf] :
      b === 0xe0 ? [3, 0xa0, 0xbf] :
      (b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef ? [3, 0x80, 0xbf] :
      b === 0xed ? [3, 0x80, 0x9f] :
      b === 0xf0 ? [4, 0x90, 0xbf] :
      b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] :
      b === 0xf4 ? [4, 0x80, 0x8f] :
      [0, 0, 0];
    if (n === 0 || i + n > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < n; ++k) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return -1;
}

/** Whether a string holds a surrogate half without its partner (JSON's `\ud800` alone): no UTF-8 can say it. */
export const hasLoneSurrogate = (text: string): boolean => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
