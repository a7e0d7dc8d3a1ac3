import { executeJob, planBytes, type ExecuteOptions, type JobResult } from '../pipeline/execute-job.js';
import type { JobSpec, SinkWording } from '../pipeline/job-spec.js';
import type { CommandIO } from './command.js';
import type { FlagSpec, ParsedFlags } from './flags.js';
import { planJson, planText } from './plan-listing.js';
import { progressBar, type Progress } from './progress.js';

/** How a command's messages name its one sink. */
export const COMMAND_SINK: SinkWording = { name: '--output', tensorMetadata: '--tensor-metadata' };

export interface CommandJobOptions {
  warn: (message: string) => void;
  note: (message: string) => void;
  /** Draw a status line on a terminal (default true); a command printing JSON or nothing may not want one. */
  progress?: boolean;
  /** Plan only: open the sources, lay out the output, write nothing. */
  dryRun?: boolean;
}

/** `--dry-run`, for the commands that write files. */
export const DRY_RUN_FLAG: FlagSpec = { name: 'dry-run', kind: 'bool', help: "Print the plan: each parameter's place, length, dtype and shape (before and after a cast or quantize); write nothing" };

/** With --dry-run: prints the plan (as JSON with --json) and says so. */
export function printDryRun(io: CommandIO, flags: ParsedFlags, result: JobResult): boolean {
  if (!flags.bools.get('dry-run')) return false;
  if (flags.bools.get('json')) io.out(`${JSON.stringify({ dryRun: true, ...planJson(result, true) })}\n`);
  else io.out(`${planText(result, true)}dry run: nothing written\n`);
  return true;
}

/**
 * Runs a job with a status line on a terminal, sized once the plan is known
 * (when `show`); `run` passes `onPlan` to the engine.
 */
export async function withJobProgress(io: CommandIO, label: string, show: boolean, run: (onPlan: ExecuteOptions['onPlan']) => Promise<JobResult>): Promise<JobResult> {
  let progress: Progress | undefined;
  try {
    return await run(async (plan) => {
      if (!show) return undefined;
      progress = await progressBar(io, label, planBytes(plan));
      // Nothing drawn: the writers need not track progress.
      return progress.active ? (state) => progress!.update(state) : undefined;
    });
  } finally {
    progress?.stop();
  }
}

/** Runs a command's flags, made a job, through the engine `paramflow run` uses. */
export function runCommandJob(io: CommandIO, label: string, job: JobSpec, options: CommandJobOptions): Promise<JobResult> {
  return withJobProgress(io, label, (options.progress ?? true) && !options.dryRun, (onPlan) => executeJob(job, { warn: options.warn, note: options.note, onPlan, dryRun: options.dryRun ?? false }));
}
