import { z } from 'zod';
import { MAX_ALIGNMENT } from '../formats/bytes.js';
import { DEVICE_BACKENDS } from '../device/open-device.js';
import { OUTPUT_FORMAT_NAMES } from '../sinks/output-formats.js';
import { SOURCE_FORMAT_NAMES } from '../sources/open.js';
import { TRANSFORM_NAMES, TRANSFORMS, type TransformName } from '../transforms/transform-kinds.js';

/**
 * The job file's shape. Keys are kebab-case like the command-line flags, and
 * the values take the flags' grammar (`*.bias`, `OLD=NEW`, `KEY=f32=1.5`,
 * `2GiB`), so a command line and its job file read alike. Unknown keys are
 * errors everywhere.
 */
const text = z.string().min(1, 'must not be empty');
const oneOrMany = z.union([text, z.array(text).min(1)]);
/** Bytes: a count or a size with units (`64MiB`, `500MB`). */
const size = z.union([z.number().int().positive(), text]);

const variable = z.union([
  z.string(),
  z.strictObject({
    default: z.string().optional(),
    env: text.optional().describe('read from this environment variable'),
    metadata: text.optional().describe("read from the sources' metadata (a GGUF key, a safetensors __metadata__ key)"),
  }),
]);

/** A file (or glob) to read, or parameters declared as `paramflow create` takes them. */
const source = z
  .strictObject({
    path: text.optional().describe('a file, or a glob matching files'),
    create: z.strictObject({ data: oneOrMany.optional(), splat: oneOrMany.optional() }).optional(),
    scope: z.string().optional(),
    format: z.enum(SOURCE_FORMAT_NAMES).optional(),
  })
  .refine((s) => (s.path === undefined) !== (s.create === undefined), { message: 'a source has a path or create, not both' });

/** One transform: an object with exactly one key of the table of transforms. */
const transform = z
  .strictObject(Object.fromEntries(TRANSFORM_NAMES.map((name) => [name, TRANSFORMS[name].schema(z)])) as unknown as Record<TransformName, z.ZodType>)
  .partial()
  .refine((t) => Object.keys(t).length === 1, { message: `a transform is one of: ${TRANSFORM_NAMES.join(', ')}` });

const transforms = z.array(transform).optional();

const fileSink = {
  path: text,
  transforms,
};

/** What a shard set takes, in a directory or in a tar. */
const shardKeys = {
  format: z.enum(OUTPUT_FORMAT_NAMES).optional(),
  'max-shard-size': size.optional(),
  'max-shard-params': z.number().int().positive().optional(),
  shards: z.number().int().min(1).max(99999).optional(),
  prefix: z.string().regex(/^[\w-][\w.-]*$/, "letters, digits, '.', '_' and '-' only").optional(),
  'raw-dtype': text.optional(),
  'tensor-metadata': z.boolean().optional(),
  transforms,
};

/** Each kind of sink's keys; JOB_SINKS (job-sinks.ts) reads each into the engine's terms. */
const sinkShapes = {
  irpa: z.strictObject({ ...fileSink, alignment: z.number().int().positive().max(MAX_ALIGNMENT).optional(), 'tensor-metadata': z.boolean().optional() }),
  safetensors: z.strictObject({ ...fileSink, 'raw-dtype': text.optional() }),
  gguf: z.strictObject({ ...fileSink, 'raw-dtype': text.optional() }),
  shards: z.strictObject({ dir: text, ...shardKeys, force: z.boolean().optional() }),
  /** One file (PREFIX.EXT), or a shard set when a split is given, as members of a tar file. */
  tar: z.strictObject({ path: text, ...shardKeys }),
  /** Loads into device memory (after the files are written), optionally reading every parameter back. */
  device: z.strictObject({
    backend: z.enum(DEVICE_BACKENDS),
    priority: oneOrMany.optional(),
    verify: z.boolean().optional(),
    transforms,
  }),
};

export const SINK_KINDS = Object.keys(sinkShapes) as (keyof typeof sinkShapes)[];

const sink = z
  .strictObject(sinkShapes)
  .partial()
  .refine((s) => Object.keys(s).length === 1, { message: `a sink is one of: ${SINK_KINDS.join(', ')}` });

export const jobSchema = z.strictObject({
  description: z.string().optional(),
  variables: z.record(z.string().regex(/^[A-Za-z_][\w.-]*$/, 'a variable name is letters, digits, _, . and -'), variable).optional(),
  sources: z.array(source).min(1, 'a job needs at least one source'),
  transforms,
  sinks: z.array(sink).min(1, 'a job needs at least one sink'),
  options: z
    .strictObject({
      budget: size.optional(),
      chunk: size.optional(),
      concurrency: z.number().int().optional(),
      'kernel-copy': z.boolean().optional(),
      /** false: outputs are not flushed to disk (scratch outputs; a crash of the machine can lose them). */
      sync: z.boolean().optional(),
    })
    .optional(),
});

export type Job = z.infer<typeof jobSchema>;
export type JobTransform = z.infer<typeof transform>;
export type JobSink = z.infer<typeof sink>;
export type JobSource = z.infer<typeof source>;
