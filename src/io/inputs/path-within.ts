import { isAbsolute, relative, sep } from 'node:path';

/** Whether `path` is `dir` or below it (`..foo` is a name inside; `../foo` is not). */
export function isWithin(dir: string, path: string): boolean {
  const inside = relative(dir, path);
  return inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside));
}
