import { scan, startWith, type Observable } from 'rxjs';
import type { ProgressEvent } from './io-scheduler.js';

export interface ProgressState {
  bytesDone: number;
  bytesTotal: number;
  parametersDone: number;
  parametersTotal: number;
}

/**
 * Folds a scheduler's byte events into running totals of bytes and of
 * parameters whose bytes have all landed. `bytesByTag` gives each tagged
 * parameter's bytes to move; `untagged` counts parameters with nothing to
 * move (splats, zero fills), done from the start.
 */
export function trackProgress(events: Observable<ProgressEvent>, bytesByTag: Map<number, number>, untagged = 0): Observable<ProgressState> {
  const remaining = new Map(bytesByTag);
  const initial: ProgressState = {
    bytesDone: 0,
    bytesTotal: [...bytesByTag.values()].reduce((n, b) => n + b, 0),
    parametersDone: untagged,
    parametersTotal: untagged + bytesByTag.size,
  };
  return events.pipe(
    scan((state, event) => {
      let finished = 0;
      for (const [tag, bytes] of event.tags) {
        const left = (remaining.get(tag) ?? 0) - bytes;
        remaining.set(tag, left);
        if (left === 0) ++finished;
      }
      return { ...state, bytesDone: state.bytesDone + event.bytes, parametersDone: state.parametersDone + finished };
    }, initial),
    startWith(initial),
  );
}
