import { readFile, stat } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { suggest } from '../did-you-mean.js';
import { ioError, UsageError } from '../errors.js';
import { jobSchema, type Job } from './schema.js';

export type DocPath = (string | number)[];

/** A validated job and a way back from any place in it to its line and column. */
export interface JobFile {
  path: string;
  job: Job;
  /** `FILE:LINE:COLUMN` of the value at `at` (or of the nearest enclosing one that exists). */
  locate(at: DocPath): string;
}

/** `sinks[0].irpa.path` */
export function describePath(at: DocPath): string {
  return at.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** Job files are written by hand: anything larger is a mistake, not a job. */
export const MAX_JOB_BYTES = 1024 * 1024;

/** Reads and validates a job file; every problem found is reported at once, each with its place. */
export async function loadJob(path: string): Promise<JobFile> {
  let text: string;
  try {
    const info = await stat(path);
    // A FIFO or a device would be waited on, or read without end.
    if (!info.isFile()) throw new UsageError(`job file '${path}' is not a regular file`);
    const size = info.size;
    if (size > MAX_JOB_BYTES) throw new UsageError(`job file '${path}' is ${size} bytes, more than the ${MAX_JOB_BYTES}-byte limit`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // Worded as every other file is (`no such file`, `permission denied`); a job that cannot be read is a usage error.
    throw new UsageError(ioError(path, error, 'read job file').message);
  }
  return parseJob(path, text);
}

export function parseJob(path: string, text: string): JobFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const where = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw UsageError.all(doc.errors.map((e) => `${where(e.pos[0])}: bad YAML: ${e.message.split('\n')[0]}`));
  }
  refuseProtoKeys(doc, where);
  refuseAliasBlowUp(doc, path);
  let raw: unknown;
  try {
    // A cap on alias expansion: a small file cannot grow into a huge document.
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    throw new UsageError(`${path}: bad YAML: ${(error as Error).message}`);
  }
  const locate = (at: DocPath) => where(offsetOf(doc, at));
  const result = jobSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) {
    const issues = result.error.issues;
    // "a sink is one of ..." explains an unknown key at the same place: say it once, with the key.
    const unknownAt = new Set(issues.filter((i) => i.code === 'unrecognized_keys').map((i) => describePath(i.path as DocPath)));
    const kinds = new Map(issues.filter((i) => i.code === 'custom').map((i) => [describePath(i.path as DocPath), i.message]));
    const shown = issues.filter((i) => !(i.code === 'custom' && unknownAt.has(describePath(i.path as DocPath))));
    throw UsageError.all(shown.flatMap((issue) => describeIssue(doc, issue, locate, where, kinds.get(describePath(issue.path as DocPath)))));
  }
  return { path, job: result.data, locate };
}

/**
 * A mapping key `__proto__` would set a JavaScript object's prototype rather
 * than add a key, so it would vanish from the job (a variable, a rename):
 * it is refused where it stands. A tensor of that name is renamed with the
 * list form, `rename: ["__proto__=NEW"]`.
 */
function refuseProtoKeys(doc: Document, where: (offset: number) => string): void {
  const found: string[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        found.push(`${where(pair.key.range?.[0] ?? 0)}: a key named __proto__ is not allowed in a job file (to rename a tensor of that name, write rename: ["__proto__=NEW"])`);
      }
    },
  });
  if (found.length > 0) throw UsageError.all(found);
}

/** The most values a job may hold once its aliases are expanded: far above any real job, far below what exhausts memory. */
export const MAX_JOB_VALUES = 1_000_000;

/**
 * Counts the values a job holds with every alias expanded, without
 * expanding them (each anchored node is counted once and reused), and
 * refuses a file whose few aliases would grow into gigabytes.
 */
function refuseAliasBlowUp(doc: Document, path: string): void {
  // Each alias's anchor, found in one pass in document order (asking the document walks it whole, per alias).
  const anchors = new Map<string, unknown>();
  const targets = new Map<unknown, unknown>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  const sizes = new Map<unknown, number>();
  const size = (node: unknown, depth: number): number => {
    if (depth > 1000) throw new UsageError(`${path}: bad YAML: nested deeper than 1000 levels`);
    if (isAlias(node)) return size(targets.get(node), depth + 1);
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let n = 1;
    if (isMap(node)) for (const pair of node.items) n += size(pair.key, depth + 1) + size(pair.value, depth + 1);
    else if (isSeq(node)) for (const item of node.items) n += size(item, depth + 1);
    sizes.set(node, n);
    return n;
  };
  const total = size(doc.contents, 0);
  if (total > MAX_JOB_VALUES) throw new UsageError(`${path}: bad YAML: its aliases expand to ${total} values, more than the ${MAX_JOB_VALUES} a job may hold`);
}

/** The start of the node at `at`, or of its nearest ancestor present in the document. */
function offsetOf(doc: Document, at: DocPath): number {
  for (let n = at.length; n >= 0; --n) {
    const node = n === 0 ? doc.contents : doc.getIn(at.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return 0;
}

type Issue = z.core.$ZodIssue;

function describeIssue(doc: Document, issue: Issue, locate: (at: DocPath) => string, where: (offset: number) => string, kinds?: string): string[] {
  const at = issue.path as DocPath;
  const place = describePath(at) || 'the job';
  if (issue.code === 'unrecognized_keys') {
    const map = at.length === 0 ? doc.contents : doc.getIn(at, true);
    const known = isMap(map) ? knownKeys(at) : [];
    return issue.keys.map((key) => {
      const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
      const offset = (pair?.key as { range?: number[] } | undefined)?.range?.[0];
      const location = offset === undefined ? locate(at) : where(offset);
      const hint = suggest(key, known, '') || (kinds ? `; ${kinds}` : '');
      return `${location}: ${place}: unknown key '${key}'${hint}`;
    });
  }
  return [`${locate(at)}: ${place}: ${explain(issue)}`];
}

/** What went wrong, in words: the expected types of a union, zod's message otherwise. */
function explain(issue: Issue): string {
  if (issue.code === 'invalid_union') {
    // A branch whose problems lie deeper than the value itself matched its type: report those.
    const deeper = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (deeper) return `${describePath(deeper[0]!.path as DocPath)}: ${explain(deeper[0]!)}`;
    const expected = [...new Set(issue.errors.flat().flatMap(expectedTypes))];
    return expected.length > 0 ? `expected ${expected.join(' or ')}` : 'not a valid value here';
  }
  if (issue.code === 'invalid_type') return `expected ${typeName(issue.expected)}${issue.input === undefined ? ' (missing)' : `, got ${kindOf(issue.input)}`}`;
  const message = issue.message.replace(/^Invalid input: /, '');
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function expectedTypes(issue: Issue): string[] {
  if (issue.code === 'invalid_type') return [typeName(issue.expected)];
  if (issue.code === 'invalid_union') return issue.errors.flat().flatMap(expectedTypes);
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v));
  return [];
}

const TYPE_NAMES: Record<string, string> = { string: 'a string', array: 'a list', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'a mapping', record: 'a mapping' };
const typeName = (t: string) => TYPE_NAMES[t] ?? t;

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : typeName(typeof v));

/** The keys the schema allows in the object at `at`. */
function knownKeys(at: DocPath): string[] {
  let schema: z.core.$ZodType | undefined = jobSchema;
  const step = (s: z.core.$ZodType | undefined, key: string | number | undefined): z.core.$ZodType | undefined => {
    const def = (s as { _zod?: { def: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return undefined;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return step(def.innerType as z.core.$ZodType, key);
    if (def.type === 'union') {
      for (const option of def.options as z.core.$ZodType[]) {
        const found = step(option, key);
        if (found) return found;
      }
      return undefined;
    }
    if (key === undefined) return def.type === 'object' ? s : undefined;
    if (def.type === 'object') return (def.shape as Record<string, z.core.$ZodType>)[key as string];
    if (def.type === 'array') return def.element as z.core.$ZodType;
    if (def.type === 'record') return def.valueType as z.core.$ZodType;
    return undefined;
  };
  for (const key of at) schema = step(schema, key);
  const object = step(schema, undefined);
  const shape = (object as { _zod?: { def: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def.shape;
  return shape ? Object.keys(shape) : [];
}
