import { DataError } from '../errors.js';
import type { Parameter } from './parameter.js';

/**
 * Parameters grouped by scope, scopes in order of first appearance and
 * parameters in the order they were added, addressed as `scope::key`.
 * A key may repeat within a scope (IREE's tools can write such archives);
 * lookups find the first.
 */
export class ParameterIndex {
  private readonly scopes = new Map<string, Parameter[]>();

  /** Registers a scope, so it is listed even when its files hold nothing. */
  addScope(scope: string): Parameter[] {
    let list = this.scopes.get(scope);
    if (!list) {
      list = [];
      this.scopes.set(scope, list);
    }
    return list;
  }

  add(parameter: Parameter): void {
    this.addScope(parameter.scope).push(parameter);
  }

  scopeNames(): string[] {
    return [...this.scopes.keys()];
  }

  parametersOf(scope: string): Parameter[] {
    return [...(this.scopes.get(scope) ?? [])];
  }

  /** Every parameter, scopes flattened in order of first appearance. */
  all(): Parameter[] {
    return [...this.scopes.values()].flat();
  }

  /** Keys that appear more than once in a scope, as `scope::key` descriptions. */
  duplicates(): string[] {
    const repeated: string[] = [];
    for (const [scope, list] of this.scopes) {
      const counts = new Map<string, number>();
      for (const p of list) counts.set(p.key, (counts.get(p.key) ?? 0) + 1);
      for (const [key, n] of counts) if (n > 1) repeated.push(`${describeKey(scope, key)} (${n} times)`);
    }
    return repeated;
  }

  lookup(scope: string, key: string): Parameter {
    const list = this.scopes.get(scope);
    if (!list) {
      const known = this.scopeNames().map(describeScope).join(', ');
      throw new DataError(`no scope ${describeScope(scope)} (scopes: ${known || 'none'})`);
    }
    const found = list.find((p) => p.key === key);
    if (!found) throw new DataError(`no parameter ${describeKey(scope, key)}`);
    return found;
  }
}

export function describeScope(scope: string): string {
  return scope === '' ? '<global>' : `'${scope}'`;
}

export function describeKey(scope: string, key: string): string {
  return scope === '' ? `'${key}'` : `'${scope}::${key}'`;
}
