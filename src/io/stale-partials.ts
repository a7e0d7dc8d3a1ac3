import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
 * Removes what an earlier run killed outright (SIGKILL, a power cut) left
 * beside `target`: its temporary `.NAME.PID-XXXXXXXX.partial` files or
 * directories whose process is gone. Those of live processes are left alone.
 */
export async function removeStalePartials(target: string): Promise<void> {
  const name = basename(target);
  const pattern = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)-[0-9a-f]{8}\\.partial$`);
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) await rm(join(dirname(target), entry), { recursive: true, force: true });
  }
}
