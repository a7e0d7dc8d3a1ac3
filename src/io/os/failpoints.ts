/**
 * Fault injection for tests, off unless PARAMFLOW_FAILPOINTS is set:
 * `write=ENOSPC@65536,read=EIO@0` makes the first write (read) that would
 * take the process past that many bytes written (read) fail with that error
 * code, as the kernel would report it; `sync=EIO@1` fails the second flush
 * to disk (each file or directory flushed counts one). Lets tests show what a full disk or a
 * failing one does to every command, without either.
 */
type Kind = 'read' | 'write' | 'sync';

const points = new Map<Kind, { code: string; after: number }>();
for (const spec of (process.env.PARAMFLOW_FAILPOINTS ?? '').split(',').filter(Boolean)) {
  const m = /^(read|write|sync)=([A-Z]+)@(\d+)$/.exec(spec.trim());
  if (m) points.set(m[1] as Kind, { code: m[2]!, after: Number(m[3]) });
}
const done: Record<Kind, number> = { read: 0, write: 0, sync: 0 };

/** Counts `bytes` of `kind`; throws the injected error when they cross the failpoint. */
export function failpoint(kind: Kind, bytes: number): void {
  if (points.size === 0) return;
  const point = points.get(kind);
  done[kind] += bytes;
  if (point && done[kind] > point.after) {
    throw Object.assign(new Error(`${point.code} (injected by PARAMFLOW_FAILPOINTS)`), { code: point.code });
  }
}

/** What is left before a failpoint of `kind` fires, for a thread that counts on its own (the pump). */
export function failpointLeft(kind: Kind): { code: string; bytes: number } | undefined {
  const point = points.get(kind);
  return point && { code: point.code, bytes: Math.max(0, point.after - done[kind]) };
}
