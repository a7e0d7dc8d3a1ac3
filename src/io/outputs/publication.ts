/**
 * Outputs that appear together. Each writer flushes its output under a
 * temporary name, then hands the publication the step that moves it into
 * place and the step that throws it away. Nothing is moved until every
 * output of the publication is flushed; then the moves run in the order
 * they were handed over, one after another (a file system renames one name
 * at a time: a kill in between leaves the outputs moved so far new and the
 * rest as they were). If anything fails first, every output is thrown away.
 */
export class Publication {
  private readonly steps: { publish: () => Promise<void>; discard: () => Promise<void> }[] = [];
  private settled = false;

  /** Takes an output's last steps; it is moved into place by `publish`, or thrown away by `discard`. */
  defer(publish: () => Promise<void>, discard: () => Promise<void>): void {
    if (this.settled) throw new Error('the outputs were already published or discarded');
    this.steps.push({ publish, discard });
  }

  async publish(): Promise<void> {
    this.settled = true;
    for (const [i, step] of this.steps.entries()) {
      try {
        await step.publish();
      } catch (error) {
        // What was not moved yet is thrown away.
        await Promise.allSettled(this.steps.slice(i + 1).map((s) => s.discard()));
        throw error;
      }
    }
  }

  async discard(): Promise<void> {
    this.settled = true;
    await Promise.allSettled(this.steps.map((s) => s.discard()));
  }
}
