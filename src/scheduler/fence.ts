import { TimelineSemaphore } from './semaphore.js';

/** A set of (semaphore, value) points, awaited, signalled or failed as one. */
export class Fence {
  constructor(readonly points: ReadonlyArray<readonly [TimelineSemaphore, number]> = []) {}

  /** A fence on a fresh semaphore at value 1: the usual "this op is done" marker. */
  static create(name?: string): Fence {
    return new Fence([[new TimelineSemaphore(0, name), 1]]);
  }

  static join(...fences: (Fence | undefined)[]): Fence {
    return new Fence(fences.flatMap((f) => f?.points ?? []));
  }

  get isEmpty(): boolean {
    return this.points.length === 0;
  }

  /** Resolves when every point is reached; rejects with the first failure. */
  async wait(): Promise<void> {
    await Promise.all(this.points.map(([semaphore, value]) => semaphore.wait(value)));
  }

  signal(): void {
    for (const [semaphore, value] of this.points) semaphore.signal(value);
  }

  fail(error: Error): void {
    for (const [semaphore] of this.points) semaphore.fail(error);
  }
}

/**
 * Runs `work` after `wait` is reached, then signals `signal`; if waiting or
 * the work fails, `signal` is failed instead so every dependent sees it.
 * An operation with no work still orders its wait before its signal.
 */
export async function fenced<T>(wait: Fence | undefined, signal: Fence | undefined, work: () => Promise<T>): Promise<T> {
  try {
    await wait?.wait();
    const result = await work();
    signal?.signal();
    return result;
  } catch (error) {
    signal?.fail(error as Error);
    throw error;
  }
}
