/**
 * V8 keeps a number field as a small integer until an object of its shape
 * stores one past 2^31 (an offset beyond 2 GiB). It then remakes the shape,
 * and every object made before migrates on its next access, a few
 * microseconds each. In a 2 GiB archive of 100,000 parameters that took
 * longer than laying out the whole table (bench/convert). A module whose
 * objects hold offsets settles their shape here when it loads, with one
 * example of wide values, keys in the order the real objects have them.
 * Only where it pays: a wide field costs a boxed number per object.
 */
const examples: object[] = [];

export function settleWideShape(example: object): void {
  examples.push(example);
}
