import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Builds a parameter operator from a per-subscription step function, with a
 * hook when the stream completes (for warnings about unused flags, or checks
 * that need the whole stream). Errors thrown by `step` end the stream.
 */
export function parameterOperator<T, R>(
  setup: () => { step: (value: T, emit: (out: R) => void) => void; done?: () => void },
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const { step, done } = setup();
      const emit = (out: R) => subscriber.next(out);
      return source.subscribe({
        next(value) {
          try {
            step(value, emit);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          try {
            done?.();
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        },
      });
    });
}
