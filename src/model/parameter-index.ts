import { DataError } from '../errors.js';
import type { Parameter } from './parameter.js';

/**
 * Parameters grouped by scope, scopes in order of first appearance and
 * parameters in the order they were added, addressed as `scope::key`.
 * A key given by two files of one scope is an error; a key repeated within
 * one file is tolerated (IREE's tools can write such archives) and lookups
 * find the first.
 */
export class ParameterIndex {
  private readonly scopes = new Map<string, Parameter[]>();
  /**
   * The first parameter of each key, per scope. Built when first needed (a
   * lookup, or a second file joining the scope): a scope read from one file
   * has nothing to check, and its table may hold 100,000 keys.
   */
  private readonly firsts = new Map<string, Map<string, Parameter>>();

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
    const list = this.addScope(parameter.scope);
    list.push(parameter);
    const firsts = this.firsts.get(parameter.scope);
    if (firsts) remember(firsts, parameter);
    else if (parameter.origin !== list[0]!.origin) this.firstsOf(parameter.scope);
  }

  /** The scope's first-of-each-key table, built from its parameters so far if not yet built. */
  private firstsOf(scope: string): Map<string, Parameter> {
    let firsts = this.firsts.get(scope);
    if (!firsts) {
      firsts = new Map();
      for (const p of this.scopes.get(scope) ?? []) remember(firsts, p);
      this.firsts.set(scope, firsts);
    }
    return firsts;
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
    const found = this.firstsOf(scope).get(key);
    if (!found) throw new DataError(`no parameter ${describeKey(scope, key)}`);
    return found;
  }
}

/** Records `p` as its key's first, unless one came before; a key given by two files is refused. */
function remember(firsts: Map<string, Parameter>, p: Parameter): void {
  const first = firsts.get(p.key);
  if (!first) firsts.set(p.key, p);
  else if (first.origin !== p.origin) throw new DataError(`parameter ${describeKey(p.scope, p.key)} is in both ${first.origin} and ${p.origin}`);
}

export function describeScope(scope: string): string {
  return scope === '' ? '<global>' : `'${scope}'`;
}

export function describeKey(scope: string, key: string): string {
  return scope === '' ? `'${key}'` : `'${scope}::${key}'`;
}
