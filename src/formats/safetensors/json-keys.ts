/**
 * The keys of a JSON object's top level, in order, with their positions in
 * the text. JSON.parse keeps only the last of repeated keys; this lets a
 * reader see the repeats and point at each tensor's entry.
 */
export function topLevelKeys(text: string): { key: string; at: number }[] {
  const keys: { key: string; at: number }[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; ++i) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i;
      for (++i; i < text.length && text.charCodeAt(i) !== 0x22; ++i) {
        if (text.charCodeAt(i) === 0x5c /* \ */) ++i;
      }
      if (depth === 1 && expectKey) {
        keys.push({ key: JSON.parse(text.slice(start, i + 1)) as string, at: start });
        expectKey = false;
      }
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      ++depth;
      expectKey = depth === 1 && ch === 0x7b;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      --depth;
    } else if (ch === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}
