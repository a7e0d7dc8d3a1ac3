import { Observable } from 'rxjs';
import type { ProgressState } from '../scheduler/progress.js';
import { executeJob, type JobPlan, type JobResult } from './execute-job.js';
import type { JobSpec } from './job-spec.js';

/** What a running job tells, in order: its plan, progress, its outputs in place, device parameters resident, and its result. */
export type JobEvent =
  | { type: 'plan'; plan: JobPlan }
  | { type: 'progress'; state: ProgressState }
  | { type: 'published'; targets: string[] }
  | { type: 'resident'; sink: number; key: string }
  | { type: 'done'; result: JobResult };

/**
 * A job as an event stream: it starts on subscription and completes after
 * `done`; an error is the job's failure. Unsubscribing before the end
 * cancels it: no write starts after, what was being written is thrown away,
 * and no output appears (once published, outputs stay; a device load stops).
 */
export function jobEvents(job: JobSpec): Observable<JobEvent> {
  return new Observable<JobEvent>((subscriber) => {
    const controller = new AbortController();
    executeJob(job, {
      signal: controller.signal,
      onPlan(plan) {
        subscriber.next({ type: 'plan', plan });
        return (state) => subscriber.next({ type: 'progress', state });
      },
      onPublished: (targets) => subscriber.next({ type: 'published', targets }),
      onResident: (key, sink) => subscriber.next({ type: 'resident', sink, key }),
    }).then(
      (result) => {
        subscriber.next({ type: 'done', result });
        subscriber.complete();
      },
      // After an unsubscribe nobody listens: the failure is the cancellation itself.
      (error: unknown) => subscriber.error(error),
    );
    return () => controller.abort(new Error('the job was cancelled'));
  });
}
