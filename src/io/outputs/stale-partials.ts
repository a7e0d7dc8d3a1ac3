import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { partialLocked } from './partial-lock.js';

/** Names longer than this are shortened in temporary names, which add 26 bytes and must stay within the 255 a file system allows. */
const LONGEST_KEPT = 200;

/** The part of a temporary name that stands for the target: its name, or a long one's start and a hash of the rest. */
function stem(name: string): string {
  if (Buffer.byteLength(name) <= LONGEST_KEPT) return name;
  const start = Buffer.from(name).subarray(0, 160).toString('utf8').replace(/\uFFFD+$/, '');
  return `${start}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** A temporary name beside `target`, `.NAME.PID-XXXXXXXX.partial`, of the form removeStalePartials knows. */
export function partialPath(target: string): string {
  return join(dirname(target), `.${stem(basename(target))}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Whether a partial is an earlier run's leftover: its writer's lock is free
 * (the kernel drops it when the writer dies, whatever PID namespace it ran
 * in) and no process here has its pid. Where locks cannot be asked about,
 * the pid alone decides.
 */
async function stale(path: string, pid: number): Promise<boolean> {
  if (pid === process.pid || alive(pid)) return false;
  return (await partialLocked(path)) !== true;
}

/**
 * Removes what an earlier run killed outright (SIGKILL, a power cut) left
 * beside `target`: its temporary `.NAME.PID-XXXXXXXX.partial` files or
 * directories whose writer is gone. Those being written are left alone.
 */
export async function removeStalePartials(target: string): Promise<void> {
  const name = stem(basename(target));
  const pattern = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)-[0-9a-f]{8}\\.partial$`);
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(pattern.exec(entry)?.[1]);
    const path = join(dirname(target), entry);
    if (pid && (await stale(path, pid))) await rm(path, { recursive: true, force: true });
  }
}
