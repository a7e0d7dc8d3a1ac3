/**
 * Reads a header member in the form the safetensors libraries write,
 * `"NAME":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}` (spaces
 * allowed), with one sticky regular expression. JSON.parse of each member
 * builds and drops a value object and two arrays: with 100,000 tensors the
 * general reading takes twice as long. Any other form (keys in another
 * order, escapes in a name, numbers JSON would refuse or could not hold
 * exactly) is left to the general reading, which also words the errors.
 */
export interface CanonicalTensor {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  /** Index just past the member's value. */
  valueEnd: number;
}

const WS = '[ \\t\\n\\r]*';
const PLAIN_STRING = '"([^"\\\\\\u0000-\\u001f]*)"';
// At most 15 digits: every such number is an exact double; longer ones go the general way.
const COUNT = '(0|[1-9][0-9]{0,14})';
const field = (name: string) => `${WS},${WS}"${name}"${WS}:${WS}`;
const MEMBER = new RegExp(
  `${PLAIN_STRING}${WS}:${WS}\\{${WS}"dtype"${WS}:${WS}${PLAIN_STRING}${field('shape')}\\[([0-9, \\t\\n\\r]*)\\]${field('data_offsets')}\\[${WS}${COUNT}${WS},${WS}${COUNT}${WS}\\]${WS}\\}`,
  'y',
);

/** The member whose key opens at `at`, if it has the canonical form. */
export function readCanonicalTensor(text: string, at: number): CanonicalTensor | undefined {
  MEMBER.lastIndex = at;
  const m = MEMBER.exec(text);
  if (m === null) return undefined;
  const shape = readDims(m[3]!);
  if (shape === undefined) return undefined;
  return { name: m[1]!, dtype: m[2]!, shape, begin: Number(m[4]), end: Number(m[5]), valueEnd: MEMBER.lastIndex };
}

/** `2, 3` as [2, 3]; undefined for anything JSON would not read as a list of exact counts. */
function readDims(list: string): number[] | undefined {
  const dims: number[] = [];
  let value = 0;
  let digits = 0;
  let expectDigit = false;
  for (let i = 0; i < list.length; ++i) {
    const c = list.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      // A digit after a space ends a number: `1 2` is not JSON.
      if ((digits > 0 && !expectDigit) || (digits === 1 && value === 0) || digits === 15) return undefined;
      value = value * 10 + (c - 0x30);
      ++digits;
      expectDigit = true;
    } else if (c === 0x2c) {
      if (digits === 0) return undefined;
      dims.push(value);
      value = 0;
      digits = 0;
      expectDigit = false;
    } else {
      expectDigit = false;
    }
  }
  if (digits > 0) dims.push(value);
  else if (dims.length > 0) return undefined;
  return dims;
}
