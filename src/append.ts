/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes
 * every item as an argument, and a list of a few hundred thousand (the jobs
 * of a 300 GiB parameter, the tensors of a large checkpoint) overflows the
 * stack.
 */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}
