/**
 * Splits a JSON object into its top-level members, in order, each value
 * parsed on its own. JSON.parse of a whole safetensors header builds one
 * object with a property per tensor, which is slow past ~10,000 tensors and
 * keeps only the last of repeated keys; this does neither.
 */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index of the quote that closes the JSON string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; ; ++j) {
    j = text.indexOf('"', j);
    if (j < 0) throw new JsonSyntaxError('unterminated string', start);
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 0x5c) ++backslashes;
    if (backslashes % 2 === 0) return j;
  }
}

/** Index just past the value starting at `start` (at a `,` or `}` of the enclosing object). */
function valueEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; ++i) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i);
    else if (c === 0x7b || c === 0x5b) ++depth;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return i;
      --depth;
    } else if (c === 0x2c && depth === 0) return i;
  }
  throw new JsonSyntaxError('unexpected end of text', text.length);
}

/**
 * Reads the top-level members of a JSON object in order. `quick(at)` may read
 * the member whose key opens at `at` in a form it knows, returning the index
 * just past its value, or -1 to leave it to the general reading; `member`
 * hears each member read the general way, its value parsed by JSON.parse.
 */
export function forEachMember(text: string, quick: (at: number) => number, member: (key: string, value: unknown, at: number) => void): void {
  let i = 0;
  const skip = () => {
    while (i < text.length && isSpace(text.charCodeAt(i))) ++i;
  };
  const expect = (c: number, what: string) => {
    skip();
    if (text.charCodeAt(i) !== c) throw new JsonSyntaxError(`expected ${what}`, i);
    ++i;
  };
  expect(0x7b, "'{' (the header must be a JSON object)");
  skip();
  if (text.charCodeAt(i) === 0x7d) ++i;
  else {
    for (;;) {
      skip();
      if (text.charCodeAt(i) !== 0x22) throw new JsonSyntaxError('expected a key', i);
      const at = i;
      const end = quick(at);
      if (end >= 0) i = end;
      else {
        i = stringEnd(text, i) + 1;
        const raw = text.slice(at, i);
        let key: string;
        try {
          // Escapes and control characters need JSON's own reading (which refuses bad ones).
          key = /[\\\u0000-\u001f]/.test(raw) ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        } catch (error) {
          throw new JsonSyntaxError(`bad key: ${(error as Error).message}`, at);
        }
        expect(0x3a, "':'");
        skip();
        const valueEnds = valueEnd(text, i);
        let value: unknown;
        try {
          value = JSON.parse(text.slice(i, valueEnds));
        } catch (error) {
          throw new JsonSyntaxError(`bad value of '${key}': ${(error as Error).message}`, i);
        }
        member(key, value, at);
        i = valueEnds;
      }
      skip();
      const c = text.charCodeAt(i++);
      if (c === 0x7d) break;
      if (c !== 0x2c) throw new JsonSyntaxError("expected ',' or '}'", i - 1);
    }
  }
  skip();
  if (i < text.length) throw new JsonSyntaxError('text after the end of the object', i);
}
