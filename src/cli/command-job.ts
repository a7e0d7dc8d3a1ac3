import { executeJob, planBytes, type ExecuteOptions, type JobResult } from '../pipeline/execute-job.js';
import type { JobSpec, SinkWording } from '../pipeline/job-spec.js';
import type { CommandIO } from './command.js';
import { progressBar, type Progress } from './progress.js';

/** How a command's messages name its one sink. */
export const COMMAND_SINK: SinkWording = { name: '--output', tensorMetadata: '--tensor-metadata' };

export interface CommandJobOptions {
  warn: (message: string) => void;
  note: (message: string) => void;
  /** Draw a status line on a terminal (default true); a command printing JSON or nothing may not want one. */
  progress?: boolean;
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
  return withJobProgress(io, label, options.progress ?? true, (onPlan) => executeJob(job, { warn: options.warn, note: options.note, onPlan }));
}
