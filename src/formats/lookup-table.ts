/**
 * A name-to-value table with no prototype: a name read from a file or a
 * flag (`constructor`, `toString`, `__proto__`) finds nothing rather than
 * one of JavaScript's own methods.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
