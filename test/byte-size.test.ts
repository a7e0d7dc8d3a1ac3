import test from 'ava';
import { parseByteSize } from '../src/byte-size.js';

test('sizes take decimal and binary units', (t) => {
  t.is(parseByteSize('4096', 'x'), 4096);
  t.is(parseByteSize('64KiB', 'x'), 65536);
  t.is(parseByteSize('500MB', 'x'), 500_000_000);
  t.is(parseByteSize('2GiB', 'x'), 2 ** 31);
  // A bare unit is decimal, as llama-gguf-split's --split-max-size=2G and Hugging Face's "5GB" are.
  t.is(parseByteSize('2G', 'x'), 2e9);
  t.is(parseByteSize('500M', 'x'), 500e6);
  t.is(parseByteSize('64K', 'x'), 64000);
  t.is(parseByteSize('1.5 GiB', 'x'), 1.5 * 2 ** 30);
  t.throws(() => parseByteSize('lots', '--max-shard-size=lots'), { message: /--max-shard-size=lots: expected a size/ });
  t.throws(() => parseByteSize('0', 'x'), { message: /out of range/ });
});
