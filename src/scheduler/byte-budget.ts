/**
 * A cap on bytes in flight. Producers wait for room instead of allocating;
 * a request larger than the whole budget waits until nothing else is in
 * flight, so it can never deadlock. Tracks its peak, for tests.
 */
export class ByteBudget {
  private inFlight = 0;
  private highWater = 0;
  private queue: { bytes: number; resolve: () => void }[] = [];

  constructor(readonly limit: number) {}

  get peak(): number {
    return this.highWater;
  }

  get used(): number {
    return this.inFlight;
  }

  async acquire(bytes: number): Promise<() => void> {
    if (this.queue.length > 0 || !this.fits(bytes)) {
      await new Promise<void>((resolve) => this.queue.push({ bytes, resolve }));
    } else {
      this.take(bytes);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
      this.drain();
    };
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.limit;
  }

  private take(bytes: number): void {
    this.inFlight += bytes;
    this.highWater = Math.max(this.highWater, this.inFlight);
  }

  /** Admits waiters in order while they fit (first come, first served). */
  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.bytes)) {
      const next = this.queue.shift()!;
      this.take(next.bytes);
      next.resolve();
    }
  }
}
