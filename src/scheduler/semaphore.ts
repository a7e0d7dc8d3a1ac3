/**
 * A timeline semaphore (IREE's model): a value that only grows. Waiters for a
 * value resolve once the semaphore reaches it; a failed semaphore rejects every
 * waiter, present and future, with its error.
 */
export class TimelineSemaphore {
  private current: number;
  private failure: Error | undefined;
  private waiters: { value: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    initial = 0,
    readonly name = 'semaphore',
  ) {
    this.current = initial;
  }

  get value(): number {
    return this.current;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** Advances to `value`, releasing every waiter at or below it. */
  signal(value: number): void {
    if (this.failure) return;
    if (value < this.current) throw new Error(`${this.name}: cannot signal ${value}, already at ${this.current}`);
    this.current = value;
    const ready = this.waiters.filter((w) => w.value <= value);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.value > value);
    for (const w of ready) w.resolve();
  }

  /** Resolves when the value reaches `value`; rejects if the semaphore fails first. */
  wait(value: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.current >= value) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ value, resolve, reject }));
  }

  /** Fails the timeline: every waiter now and later gets `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
