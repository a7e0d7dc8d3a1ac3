import test from 'ava';
import { parseByteSize } from '../src/cli/byte-size.js';

test('sizes take decimal and binary units', (t) => {
  t.is(parseByteSize('x', '4096'), 4096);
  t.is(parseByteSize('x', '64KiB'), 65536);
  t.is(parseByteSize('x', '500MB'), 500_000_000);
  t.is(parseByteSize('x', '2GiB'), 2 ** 31);
  // A bare unit is decimal, as llama-gguf-split's --split-max-size=2G and Hugging Face's "5GB" are.
  t.is(parseByteSize('x', '2G'), 2e9);
  t.is(parseByteSize('x', '500M'), 500e6);
  t.is(parseByteSize('x', '64K'), 64000);
  t.is(parseByteSize('x', '1.5 GiB'), 1.5 * 2 ** 30);
  t.throws(() => parseByteSize('max-shard-size', 'lots'), { message: /--max-shard-size=lots: expected a size/ });
  t.throws(() => parseByteSize('x', '0'), { message: /out of range/ });
});
