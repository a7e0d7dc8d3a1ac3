import { DataError, UsageError } from '../errors.js';
import { FileCache } from '../io/inputs/file-cache.js';
import { fillWithPattern } from '../model/fill-pattern.js';
import { compute, inputBytes } from '../kernels/kernel.js';
import { littleEndian } from '../model/byte-order.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import { describeKey, type ParameterIndex } from '../model/parameter-index.js';
import { loadIndex } from '../sources/load-index.js';
import { fenced, type Fence } from '../scheduler/fence.js';
import { groupBy } from '../scheduler/group-by.js';
import { IoScheduler, type SchedulerOptions } from '../scheduler/io-scheduler.js';
import { WritableFiles } from './writable-files.js';

/** Part of a parameter: `length` bytes from `offset` (default: from 0 to its end). */
export interface ParameterSpan {
  key: string;
  offset?: number;
  length?: number;
}

/** A span and where it lands in (gather) or comes from in (scatter) the caller's buffer. */
export interface GatherSpan extends ParameterSpan {
  into: number;
}
export interface ScatterSpan extends ParameterSpan {
  from: number;
}

/** Every operation may wait on a fence before it starts and signals one when all its work is done. */
export interface Ordering {
  wait?: Fence;
  signal?: Fence;
}

export interface ProviderOptions extends SchedulerOptions {
  /** Allow writes into the files' parameter bytes (never their layout). Default false. */
  writable?: boolean;
  /** Runs the I/O; one with the options above if not given. */
  scheduler?: IoScheduler;
  /** The inputs the parameters were opened with (standard input's state among them); fresh ones if not given. */
  inputs?: FileCache;
}

type Resolved = { parameter: Parameter; offset: number; length: number; at: number };

/**
 * Serves parameters to a running program, as IREE's parameter providers do:
 * scope and keys are runtime strings, every operation takes wait and signal
 * fences and returns at once, adjacent spans are read or written with one
 * call, and bytes in flight stay within the scheduler's budget. An error
 * fails the signal fence, so every operation waiting on it fails too.
 */
export class ParameterProvider {
  private readonly files: FileCache;
  private readonly writers: WritableFiles | undefined;
  readonly scheduler: IoScheduler;

  constructor(
    readonly index: ParameterIndex,
    options: ProviderOptions = {},
  ) {
    this.scheduler = options.scheduler ?? new IoScheduler(options);
    this.files = options.inputs ?? new FileCache();
    this.writers = options.writable ? new WritableFiles() : undefined;
  }

  /** Opens parameter files (any format, sharded sets as one), each into a scope ('' by default). */
  static async open(files: (string | { path: string; scope?: string })[], options: ProviderOptions = {}): Promise<ParameterProvider> {
    const refs = files.map((f) => (typeof f === 'string' ? { path: f, scope: '' } : { path: f.path, scope: f.scope ?? '' }));
    const inputs = options.inputs ?? new FileCache();
    const { index } = await loadIndex(refs, undefined, undefined, inputs);
    return new ParameterProvider(index, { ...options, inputs });
  }

  /** The parameter named `scope::key`, or a DataError naming what is there. */
  parameter(scope: string, key: string): Parameter {
    return this.index.lookup(scope, key);
  }

  /**
   * Each key's bytes, read by one gather into one new block (so neighbours in
   * a file share reads); each result is a view of that block.
   */
  async load(scope: string, keys: string[], ordering: Ordering = {}): Promise<Uint8Array[]> {
    return fenced(ordering.wait, ordering.signal, async () => {
      const parameters = keys.map((key) => this.parameter(scope, key));
      const starts: number[] = [];
      let total = 0;
      for (const p of parameters) {
        starts.push(total);
        total += p.length;
      }
      const block = new Uint8Array(total);
      await this.gatherNow(scope, parameters.map((p, i) => ({ key: p.key, into: starts[i]! })), block);
      return parameters.map((p, i) => block.subarray(starts[i]!, starts[i]! + p.length));
    });
  }

  /** Reads one span into `target` at `into`. */
  read(scope: string, span: GatherSpan, target: Uint8Array, ordering: Ordering = {}): Promise<void> {
    return this.gather(scope, [span], target, ordering);
  }

  /** Reads many spans into places of one buffer: adjacent spans of a file take one read. */
  gather(scope: string, spans: GatherSpan[], target: Uint8Array, ordering: Ordering = {}): Promise<void> {
    return fenced(ordering.wait, ordering.signal, () => this.gatherNow(scope, spans, target));
  }

  /** Writes one span from `source` at `from` into a parameter. */
  write(scope: string, span: ScatterSpan, source: Uint8Array, ordering: Ordering = {}): Promise<void> {
    return this.scatter(scope, source, [span], ordering);
  }

  /** Writes places of one buffer into parameters: spans adjacent in a file take one write. */
  scatter(scope: string, source: Uint8Array, spans: ScatterSpan[], ordering: Ordering = {}): Promise<void> {
    return fenced(ordering.wait, ordering.signal, async () => {
      if (!this.writers) throw new UsageError('this provider was opened read-only; open it with { writable: true } to write parameters');
      const resolved = spans.map((s) => this.resolve(scope, s, s.from, source.length, 'scatter'));
      const writes = resolved.map((r) => {
        const range = fileRange(r.parameter);
        if (!range || r.parameter.storage.kind !== 'data') {
          const what = r.parameter.storage.kind === 'splat' ? 'a splat' : r.parameter.storage.kind === 'external' ? 'stored in another file' : 'a generated parameter';
          throw new DataError(`parameter ${describeKey(scope, r.parameter.key)} is ${what}, which has no bytes in its archive to write`);
        }
        // What a program reads of it is computed (a big-endian payload, swapped): bytes written in place would be read back changed.
        const served = littleEndian(r.parameter).storage;
        if (served.kind === 'computed') {
          throw new DataError(`parameter ${describeKey(scope, r.parameter.key)} is read through the ${served.kernel.name} kernel (its file holds it big-endian), so bytes written in place would read back changed; convert the file first`);
        }
        return { path: range.path, from: r.at, offset: range.offset + r.offset, length: r.length };
      });
      const byFile = groupBy(writes, (w) => w.path);
      await Promise.all([...byFile].map(async ([path, list]) => this.scheduler.scatter(source, list, await this.writers!.get(path))));
    });
  }

  /** Makes every write so far durable. */
  async flush(ordering: Ordering = {}): Promise<void> {
    await fenced(ordering.wait, ordering.signal, async () => this.writers?.syncAll());
  }

  async close(): Promise<void> {
    await this.files.closeAll();
    await this.writers?.closeAll();
  }

  private async gatherNow(scope: string, spans: GatherSpan[], target: Uint8Array): Promise<void> {
    const reads: { path: string; offset: number; length: number; into: number }[] = [];
    const computed: Resolved[] = [];
    for (const s of spans) {
      const r = this.resolve(scope, s, s.into, target.length, 'gather');
      // A running program sees every parameter as outputs hold it: little-endian, computed where it is.
      const p = littleEndian(r.parameter);
      if (p.storage.kind === 'computed') {
        computed.push({ ...r, parameter: p });
        continue;
      }
      const pattern = fillPattern(r.parameter);
      if (pattern) {
        // A splat reads as its pattern, in phase with the span's start, without touching a file.
        const phase = r.offset % pattern.length;
        const rotated = Uint8Array.from({ length: pattern.length }, (_, i) => pattern[(phase + i) % pattern.length]!);
        fillWithPattern(target.subarray(r.at, r.at + r.length), rotated);
        continue;
      }
      const range = fileRange(r.parameter)!;
      reads.push({ path: range.path, offset: range.offset + r.offset, length: r.length, into: r.at });
    }
    await Promise.all([this.scheduler.gather(reads, target, this.files), ...computed.map((r) => this.gatherComputed(r, target))]);
  }

  /** A span of computed bytes: the whole kernel units around it are read and computed, and the span's part copied out. */
  private async gatherComputed(r: Resolved, target: Uint8Array): Promise<void> {
    if (r.parameter.storage.kind !== 'computed' || r.length === 0) return;
    const { kernel, source } = r.parameter.storage;
    const start = r.offset - (r.offset % kernel.outputUnit);
    const end = Math.ceil((r.offset + r.length) / kernel.outputUnit) * kernel.outputUnit;
    const input = new Uint8Array(inputBytes(kernel, end - start));
    await this.scheduler.gather([{ path: source.path, offset: source.offset + inputBytes(kernel, start), length: input.length, into: 0 }], input, this.files);
    const output = compute(kernel, input);
    target.set(output.subarray(r.offset - start, r.offset - start + r.length), r.at);
  }

  /** Checks a span against its parameter and the caller's buffer before any I/O. */
  private resolve(scope: string, span: ParameterSpan, at: number, bufferLength: number, op: string): Resolved {
    const parameter = this.parameter(scope, span.key);
    const offset = span.offset ?? 0;
    const length = span.length ?? parameter.length - offset;
    const name = describeKey(scope, span.key);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > parameter.length) {
      throw new DataError(`${op}: bytes ${offset} to ${offset + length} are out of range of parameter ${name} (${parameter.length} bytes)`);
    }
    if (!Number.isSafeInteger(at) || at < 0 || at + length > bufferLength) {
      throw new DataError(`${op}: ${length} bytes of ${name} at buffer offset ${at} do not fit a buffer of ${bufferLength} bytes`);
    }
    return { parameter, offset, length, at };
  }
}
