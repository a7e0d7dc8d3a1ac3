import type { Parameter } from '../model/parameter.js';
import { keyPattern } from '../transforms/key-pattern.js';

/** Priority keys first, in the order given (each pattern's matches in file order), then the rest. */
export function loadOrder(parameters: Parameter[], priority: string[], warn?: (message: string) => void): Parameter[] {
  const first: Parameter[] = [];
  const taken = new Set<Parameter>();
  for (const text of priority) {
    const pattern = keyPattern(text);
    let named = false;
    for (const p of parameters) {
      if (!pattern.matches(p)) continue;
      named = true;
      if (!taken.has(p)) {
        first.push(p);
        taken.add(p);
      }
    }
    if (!named) warn?.(`--priority=${text} names no parameter`);
  }
  return [...first, ...parameters.filter((p) => !taken.has(p))];
}
