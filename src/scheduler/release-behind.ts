import { groupBy } from './group-by.js';

/**
 * Follows a plan's reads of each source as they finish, to tell how far a
 * source has been read for good: every job reads forward from its start, so
 * nothing below the start of the earliest job not yet done is read again.
 * Jobs finish out of order; the mark moves only over finished ones.
 */
export class ReleaseBehind {
  private readonly sources = new Map<string, { starts: number[]; finished: boolean[]; next: number; mark: number; end: number }>();
  private readonly places = new Map<object, { path: string; index: number }>();

  constructor(reads: { job: object; path: string; offset: number; length: number }[]) {
    for (const [path, list] of groupBy(reads, (r) => r.path)) {
      list.sort((a, b) => a.offset - b.offset);
      list.forEach((read, index) => this.places.set(read.job, { path, index }));
      const starts = list.map((r) => r.offset);
      this.sources.set(path, { starts, finished: starts.map(() => false), next: 0, mark: starts[0]!, end: list.reduce((n, r) => Math.max(n, r.offset + r.length), 0) });
    }
  }

  /** Marks `job` finished; returns the range of its source now read for good, if the mark moved. */
  finish(job: object): { path: string; offset: number; length: number } | undefined {
    const place = this.places.get(job);
    if (!place) return undefined;
    const source = this.sources.get(place.path)!;
    source.finished[place.index] = true;
    while (source.next < source.starts.length && source.finished[source.next]) ++source.next;
    const mark = source.next < source.starts.length ? source.starts[source.next]! : source.end;
    if (mark <= source.mark) return undefined;
    const offset = source.mark;
    source.mark = mark;
    return { path: place.path, offset, length: mark - offset };
  }
}
