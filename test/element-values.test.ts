import test from 'ava';
import { denseByteCount, parseShapedType } from '../src/formats/element-type.js';
import { encodeElement } from '../src/formats/element-value.js';

const enc = (value: string, type: string) => Buffer.from(encodeElement(value, parseShapedType(type).type)).toString('hex');
const u16 = (hex: number) => Buffer.from(Uint16Array.of(hex).buffer).toString('hex');

test('f16 rounds to nearest even, with subnormals and infinities', (t) => {
  t.is(enc('65504', 'f16'), u16(0x7bff));
  t.is(enc('65520', 'f16'), u16(0x7c00));
  t.is(enc('1.5', 'f16'), u16(0x3e00));
  t.is(enc('2.1', 'f16'), u16(0x4033));
  t.is(enc('-0.0', 'f16'), u16(0x8000));
  t.is(enc('6e-8', 'f16'), u16(0x0001));
  t.is(enc('1e-10', 'f16'), u16(0x0000));
  t.is(enc('-inf', 'f16'), u16(0xfc00));
  t.is(enc('nan', 'f16'), u16(0x7fff));
});

test('bf16 keeps the f32 exponent range', (t) => {
  t.is(enc('2.5', 'bf16'), u16(0x4020));
  t.is(enc('1', 'bf16'), u16(0x3f80));
  t.is(enc('1e-40', 'bf16'), u16(0x0001)); // an f32 subnormal stays a bf16 subnormal
  t.is(enc('3.4e38', 'bf16'), u16(0x7f80)); // rounds up past the largest finite
});

test('the f8 family: saturation, FNUZ encodings and E8M0 scales', (t) => {
  t.is(enc('0.5', 'f8E4M3FN'), '30');
  t.is(enc('448', 'f8E4M3FN'), '7e');
  t.is(enc('1000', 'f8E4M3FN'), '7e');
  t.is(enc('-inf', 'f8E4M3FN'), 'fe');
  t.is(enc('nan', 'f8E4M3FN'), '7f');
  t.is(enc('2', 'f8E5M2'), '40');
  t.is(enc('57344', 'f8E5M2'), '7b');
  t.is(enc('1e6', 'f8E5M2'), '7c');
  t.is(enc('2', 'f8E5M2FNUZ'), '44');
  t.is(enc('-0', 'f8E5M2FNUZ'), '00');
  t.is(enc('nan', 'f8E5M2FNUZ'), '80');
  t.is(enc('1e9', 'f8E4M3FNUZ'), '80');
  t.is(enc('1', 'f8E4M3FNUZ'), '40');
  t.is(enc('4', 'f8E8M0FNU'), '81');
  t.is(enc('1', 'f8E8M0FNU'), '7f');
  t.is(enc('0.75', 'f8E8M0FNU'), '7f');
  t.is(enc('0.7', 'f8E8M0FNU'), '7e');
  t.is(enc('0', 'f8E8M0FNU'), '00');
  t.is(enc('inf', 'f8E8M0FNU'), 'ff');
});

test('integers take their range, C prefixes and signless wrap-around', (t) => {
  t.is(enc('255', 'i8'), 'ff');
  t.is(enc('-128', 'i8'), '80');
  t.is(enc('0x10', 'i32'), '10000000');
  t.is(enc('010', 'i16'), '0800');
  t.is(enc('4000000000', 'ui32'), '0028 6bee'.replace(' ', ''));
  t.is(enc('-1', 'i64'), 'ffffffffffffffff');
  t.is(enc('72623859790382856', 'i64'), '0807060504030201');
  t.throws(() => enc('256', 'i8'), { message: /out of range/ });
  t.throws(() => enc('200', 'si8'), { message: /out of range/ });
  t.throws(() => enc('-1', 'ui16'), { message: /out of range/ });
  t.throws(() => enc('12abc', 'i32'), { message: /not an integer/ });
});

test('opaque, complex and boolean values are hex in byte order', (t) => {
  t.is(enc('CAFEF00D', 'x32'), 'cafef00d');
  t.is(enc('00112233', '*32'), '00112233');
  t.is(enc('0000803f00000040', 'cf64'), '0000803f00000040');
  t.is(enc('01', 'i1'), '01');
  t.is(enc('true', 'i1'), '01');
  t.throws(() => enc('CAFE', 'x32'), { message: /expected 8 hex digits/ });
});

test('shapes: the last x splits, opaque types after a shape, at most 16 dimensions', (t) => {
  t.deepEqual(parseShapedType('2x4096xi16').shape, [2, 4096]);
  t.deepEqual(parseShapedType('f32').shape, []);
  t.deepEqual(parseShapedType('4xx32'), { shape: [4], type: { name: 'x32', kind: 'opaque', bits: 32 } });
  t.deepEqual(parseShapedType('x32').shape, []);
  t.is(denseByteCount(parseShapedType('0xf32')), 0);
  t.is(denseByteCount(parseShapedType('3x5xbf16')), 30);
  t.throws(() => parseShapedType(`${Array(17).fill('1').join('x')}xf32`), { message: /17 dimensions/ });
  t.throws(() => parseShapedType('4x-1xf32'), { message: /shape\[1\] invalid value '-1'/ });
  t.throws(() => parseShapedType('4096xq7'), { message: /unhandled element type prefix in 'q7'/ });
  t.throws(() => parseShapedType('4xi4'), { message: /sub-byte/ });
  t.throws(() => denseByteCount(parseShapedType('99999999x99999999x99999999xf32')), { message: /too large/ });
});
