import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Parameter } from '../model/parameter.js';
import { cast, parseCastRule } from './cast.js';
import { exclude } from './exclude.js';
import { include } from './include.js';
import { quantize, parseQuantizeRule } from './quantize.js';
import { parseRealignRule, realign } from './realign.js';
import { parseRenameRule, rename } from './rename.js';
import { parseSplatRule, splat } from './splat.js';
import { strip } from './strip.js';

type Operator = OperatorFunction<Parameter, Parameter>;
type Warn = (message: string) => void;

/** A rule or a list of them, in the job schema (zod is handed in: the command line need not load it). */
const oneOrMany = (zod: typeof z) => {
  const text = zod.string().min(1, 'must not be empty');
  return zod.union([text, zod.array(text).min(1)]);
};
const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/**
 * One kind of edit, as the command line and a job file both take it: the
 * rules are strings in the flag grammar (`*.bias`, `OLD=NEW`, `KEY=f32=1`),
 * which a job file's value is turned into.
 */
export interface TransformKind {
  /** The command-line flag: a list of rules, or a bool that takes its rules from `rulesFlag`. */
  flag: { name: string; kind: 'list' | 'bool'; value?: string; help: string };
  /** For a bool flag: the list flag that gives its rules (`--strip` with `--keep`). */
  rulesFlag?: { name: string; value: string; help: string };
  /** The job file's value, built with the zod it is handed. */
  schema(zod: typeof z): z.ZodType;
  /** The rules a job file's value stands for. */
  rules(value: unknown): string[];
  /** The operator for `rules`; a rule that does not parse is a usage error. */
  operator(rules: string[], warn: Warn): Operator;
}

/**
 * Every transform, by its job-file key, in the order IREE's
 * iree-convert-parameters applies its flags (exclude and rename match the
 * original keys, splat the renamed ones, an explicit splat wins over strip).
 * The command line's flags and the job schema are read from this table.
 */
export const TRANSFORMS = {
  exclude: {
    flag: { name: 'exclude', kind: 'list', value: 'KEY', help: 'Leave out parameters: an exact key, a glob (*.bias) or SCOPE::KEY' },
    schema: oneOrMany,
    rules: (value) => list(value as string | string[]),
    operator: (rules, warn) => exclude(rules, warn),
  },
  include: {
    flag: { name: 'include', kind: 'list', value: 'KEY', help: 'Keep only parameters matching (exact, glob or SCOPE::KEY)' },
    schema: oneOrMany,
    rules: (value) => list(value as string | string[]),
    operator: (rules, warn) => include(rules, warn),
  },
  rename: {
    flag: { name: 'rename', kind: 'list', value: 'OLD=NEW', help: 'Rename a key; /REGEX/=REPLACEMENT renames every match ($1 for captures)' },
    // A list of OLD=NEW, or a map from OLD to NEW.
    schema: (zod) => zod.union([oneOrMany(zod), zod.record(zod.string(), zod.string().min(1, 'must not be empty'))]),
    rules: (value) => (typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, string>).map(([from, to]) => `${from}=${to}`) : list(value as string | string[])),
    operator: (rules, warn) => rename(rules.map(parseRenameRule), warn),
  },
  strip: {
    flag: { name: 'strip', kind: 'bool', help: 'Replace every parameter with a zero splat of its size' },
    rulesFlag: { name: 'keep', value: 'KEY', help: 'With --strip: leave these parameters as they are' },
    // `true`, or the parameters to keep.
    schema: (zod) => zod.union([zod.literal(true), zod.strictObject({ keep: oneOrMany(zod).optional() })]),
    rules: (value) => (value === true ? [] : list((value as { keep?: string | string[] }).keep ?? [])),
    operator: (keep) => strip(keep),
  },
  splat: {
    flag: { name: 'splat', kind: 'list', value: 'KEY[=TYPE=VALUE]', help: 'Make a parameter a splat of 0 or of VALUE (f32=4.5, i8=123, x32=CAFEF00D)' },
    schema: oneOrMany,
    rules: (value) => list(value as string | string[]),
    operator: (rules, warn) => splat(rules.map(parseSplatRule), warn),
  },
  realign: {
    flag: { name: 'align', kind: 'list', value: '[KEY=]BYTES', help: 'Place data at multiples of BYTES (a power of two), for all or matching parameters' },
    // An alignment for all, or [KEY=]BYTES rules.
    schema: (zod) => zod.union([zod.number().int().positive(), oneOrMany(zod)]),
    rules: (value) => (typeof value === 'number' ? [String(value)] : list(value as string | string[])),
    operator: (rules) => realign(rules.map(parseRealignRule)),
  },
  cast: {
    flag: { name: 'cast', kind: 'list', value: '[KEY=]DTYPE', help: 'Cast float parameters (all, or those matching KEY: integers too) to f64, f32, f16, bf16 or an f8 type, rounding to nearest even' },
    schema: oneOrMany,
    rules: (value) => list(value as string | string[]),
    operator: (rules, warn) => cast(rules.map(parseCastRule), warn),
  },
  quantize: {
    flag: { name: 'quantize', kind: 'list', value: '[KEY=]TYPE[:keep]', help: 'Quantize float matrices (all but 1-D ones, or those matching KEY) to Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0 or TQ2_0, as ggml does; :keep leaves those whose rows the block does not divide' },
    schema: oneOrMany,
    rules: (value) => list(value as string | string[]),
    operator: (rules, warn) => quantize(rules.map(parseQuantizeRule), warn),
  },
} as const satisfies Record<string, TransformKind>;

export type TransformName = keyof typeof TRANSFORMS;
export const TRANSFORM_NAMES = Object.keys(TRANSFORMS) as [TransformName, ...TransformName[]];
