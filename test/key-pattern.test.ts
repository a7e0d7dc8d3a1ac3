import test from 'ava';
import { keyPattern } from '../src/transforms/key-pattern.js';
import type { Parameter } from '../src/model/parameter.js';

const p = (key: string, scope = ''): Parameter => ({ scope, key, length: 0, storage: { kind: 'splat', pattern: Uint8Array.of(0) }, alignment: 0, origin: 'test' });

test('exact keys, globs and scope-qualified patterns', (t) => {
  t.true(keyPattern('a.b').matches(p('a.b')));
  t.false(keyPattern('a.b').matches(p('aXb')), 'dots are literal');
  t.true(keyPattern('*.bias').matches(p('blk.0.attn.bias')));
  t.false(keyPattern('*.bias').matches(p('bias')));
  t.true(keyPattern('blk.?.attn_*').matches(p('blk.3.attn_q')));
  t.false(keyPattern('blk.?.attn_*').matches(p('blk.12.attn_q')));
  t.true(keyPattern('[qk]_proj').matches(p('k_proj')));
  t.false(keyPattern('[!qk]_proj').matches(p('k_proj')));
  t.true(keyPattern('s::w').matches(p('w', 's')));
  t.false(keyPattern('s::w').matches(p('w', 't')));
  t.true(keyPattern('*::w').matches(p('w', 'anything')));
  t.true(keyPattern('odd*key').matches(p('odd*key')), 'a key equal to the text always matches');
});
