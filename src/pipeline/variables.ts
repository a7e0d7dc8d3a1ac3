import { isAbsolute, resolve } from 'node:path';
import { suggest } from '../did-you-mean.js';
import { UsageError } from '../errors.js';
import { ggufText } from '../formats/gguf/decode.js';
import type { OpenedSource } from '../sources/open.js';
import { describePath, type DocPath, type JobFile } from './load.js';

/**
 * `${name}` in any string of a job. A value comes from `--set name=value`,
 * else from the job's `variables:` (a default, an environment variable, or a
 * key of the sources' metadata). `$${` is a literal `${`. Metadata is known
 * only once the sources are open, so source paths cannot use it.
 *
 * A relative path is read where it was written: one in the job file against
 * the file's directory, one given on the command line (or in the
 * environment) against the shell's. So a path field that starts with a
 * variable set from the shell takes that value against the working directory.
 */
const REFERENCE = /\$(\$?)\{([^}]*)\}/g;

/** Fields that name files: a source's path, a sink's path or directory. */
const isPathField = (at: DocPath) =>
  (at.length === 3 && at[0] === 'sources' && at[2] === 'path') || (at.length === 4 && at[0] === 'sinks' && (at[3] === 'path' || at[3] === 'dir'));

export class Variables {
  private readonly values = new Map<string, string>();
  /** Variables whose values came from the shell (--set, the environment): relative paths in them are the shell's. */
  private readonly fromShell = new Set<string>();
  /** Variables read from source metadata, by name: the metadata key and a fallback. */
  private readonly fromMetadata = new Map<string, { key: string; fallback?: string }>();

  constructor(
    private readonly file: JobFile,
    sets: Map<string, string>,
    env: NodeJS.ProcessEnv,
  ) {
    const known = new Set([...Object.keys(file.job.variables ?? {}), ...referencedNames(file.job)]);
    for (const name of sets.keys()) {
      if (!known.has(name)) throw new UsageError(`--set ${name}: ${file.path} has no variable '${name}'${suggest(name, [...known], '')}`);
    }
    for (const [name, spec] of Object.entries(file.job.variables ?? {})) {
      if (sets.has(name)) continue;
      if (typeof spec === 'string') this.values.set(name, spec);
      else if (spec.env !== undefined && env[spec.env] !== undefined) {
        this.values.set(name, env[spec.env]!);
        this.fromShell.add(name);
      }
      else if (spec.metadata !== undefined) this.fromMetadata.set(name, { key: spec.metadata, fallback: spec.default });
      else if (spec.default !== undefined) this.values.set(name, spec.default);
      else if (spec.env !== undefined) this.unset.set(name, `environment variable ${spec.env} is not set`);
    }
    for (const [name, value] of sets) {
      this.values.set(name, value);
      this.fromShell.add(name);
    }
  }

  /** Why a declared variable has no value, for the message. */
  private readonly unset = new Map<string, string>();

  /** Takes metadata variables' values from the opened sources (the first that has the key). */
  learnMetadata(sources: OpenedSource[]): void {
    for (const [name, { key, fallback }] of this.fromMetadata) {
      const value = metadataValue(sources, key) ?? fallback;
      if (value !== undefined) this.values.set(name, value);
      else this.unset.set(name, `no source has metadata key '${key}'`);
    }
    this.fromMetadata.clear();
  }

  /** A copy of `value` with every reference replaced; all missing variables are reported at once. */
  substitute<T>(value: T, at: DocPath): T {
    const errors: string[] = [];
    const result = this.walk(value, at, errors);
    if (errors.length > 0) throw UsageError.all(errors);
    return result;
  }

  private walk<T>(value: T, at: DocPath, errors: string[]): T {
    if (typeof value === 'string') return this.expand(value, at, errors) as T;
    if (Array.isArray(value)) return value.map((v, i) => this.walk(v, [...at, i], errors)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.walk(v, [...at, k], errors)])) as T;
    }
    return value;
  }

  private expand(text: string, at: DocPath, errors: string[]): string {
    const where = () => `${this.file.locate(at)}: ${describePath(at)}`;
    // A `${` that opens no reference would be written as it is, into a file name say.
    if (text.replace(REFERENCE, '').includes('${')) errors.push(`${where()}: '\${' with no closing '}' (write '$\${' for a literal '\${')`);
    return text.replace(REFERENCE, (whole, escaped: string, name: string, offset: number) => {
      if (escaped) return whole.slice(1);
      const value = this.values.get(name);
      // Values are not expanded again: a reference in one (`a: "\${a}"`) would be written as it is.
      if (value !== undefined && value.search(REFERENCE) >= 0) {
        errors.push(`${where()}: \${${name}} is '${value}', which refers to a variable; variables are not expanded inside variables`);
        return whole;
      }
      if (value !== undefined && offset === 0 && isPathField(at) && this.fromShell.has(name) && !isAbsolute(value)) return resolve(value);
      if (value !== undefined) return value;
      if (this.fromMetadata.has(name)) errors.push(`${where()}: \${${name}} comes from the sources' metadata, which is not known yet here`);
      else if (this.unset.has(name)) errors.push(`${where()}: \${${name}} has no value: ${this.unset.get(name)}; pass --set ${name}=VALUE`);
      else errors.push(`${where()}: \${${name}} is not set: declare it under variables: or pass --set ${name}=VALUE`);
      return whole;
    });
  }
}

/** Every `${name}` a job's strings refer to. */
function referencedNames(value: unknown, names = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REFERENCE)) if (!m[1]) names.add(m[2]!);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) referencedNames(v, names);
  }
  return names;
}

/** A metadata value as text: a GGUF key/value (scalars only) or a safetensors `__metadata__` entry. */
function metadataValue(sources: OpenedSource[], key: string): string | undefined {
  for (const source of sources) {
    const value = ggufText(source.metadata.gguf.findLast((kv) => kv.key === key)?.value);
    if (value !== undefined && ['string', 'number', 'boolean', 'bigint'].includes(typeof value)) return String(value);
    const text = source.metadata.safetensors.get(key);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** `--set name=value` flags as a map. */
export function parseSets(values: string[]): Map<string, string> {
  const sets = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set=${value}: expected NAME=VALUE`);
    sets.set(value.slice(0, eq), value.slice(eq + 1));
  }
  return sets;
}
