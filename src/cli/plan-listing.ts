import { isAbsolute, relative, resolve } from 'node:path';
import type { JobPlan } from '../pipeline/execute-job.js';
import { printable } from './printable.js';

/** `F32 64x64`: a dtype and its shape, outermost dimension first. */
const tensorText = ({ dtype, shape }: { dtype: string; shape: number[] }) => `${dtype} ${shape.length === 0 ? 'scalar' : shape.join('x')}`;

/** A path as the user would type it: relative below the working directory, absolute elsewhere. */
const show = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
};

/**
 * The plan as text: sources, then each sink and its files; with `dryRun`,
 * every parameter's place, length and tensor (what a cast or quantize
 * changed, before and after) and the kernel computing it.
 */
export function planText(plan: JobPlan, dryRun: boolean): string {
  const lines: string[] = [];
  for (const s of plan.sources) lines.push(`source ${s.format === 'create' ? s.name : show(s.name)}: ${s.format}, ${s.parameters} parameters`);
  plan.sinks.forEach((sink, i) => {
    const bytes = sink.files.reduce((n, f) => n + f.totalSize, 0);
    lines.push(`sink ${i + 1} ${sink.kind} ${show(sink.target)}: ${sink.parameters.length} parameters, ${sink.files.length} file${sink.files.length === 1 ? '' : 's'}, ${bytes} bytes`);
    if (!dryRun) return;
    for (const file of sink.files) {
      lines.push(`  ${show(file.path)}: ${file.parameterCount} parameters, ${file.totalSize} bytes`);
      for (const e of file.layout()) {
        const at = e.offset === undefined ? 'splat'.padStart(25) : `${e.offset}`.padStart(12) + ` - ${e.offset + e.length}`.padEnd(13);
        const computed = e.computed ? ` (${e.computed.kernel} of ${e.computed.sourceLength} source bytes)` : '';
        const tensor = e.dtype ? ` ${e.was ? `${tensorText(e.was)} -> ` : ''}${tensorText({ dtype: e.dtype, shape: e.shape ?? [] })}` : '';
        lines.push(`    ${at} ${String(e.length).padStart(12)} ${printable(e.key)}${tensor}${computed}`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}

/** The plan as JSON; each file's layout only for a dry run (a run's summary stays small). */
export function planJson(plan: JobPlan, dryRun: boolean) {
  return {
    sources: plan.sources,
    sinks: plan.sinks.map((sink) => ({
      kind: sink.kind,
      target: sink.target,
      parameters: sink.parameters.length,
      files: sink.files.map((f) => ({ path: f.path, parameters: f.parameterCount, bytes: f.totalSize, ...(dryRun ? { layout: f.layout() } : {}) })),
    })),
  };
}

