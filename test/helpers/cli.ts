import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main.js';
import { cliPath } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line in this process, capturing what it prints. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    interactive: false,
  });
  return { code, stdout, stderr };
}

/** Runs the installed binary in a child process. */
export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[]; input?: Uint8Array; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(options.input ? { input: options.input } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Each tensor's sha256 in a parameter file, by key, as `dump --hash` reports it. */
export async function tensorHashes(path: string): Promise<Map<string, string>> {
  const r = await runCli(['dump', `--parameters=${path}`, '--json', '--hash']);
  if (r.code !== 0) throw new Error(r.stderr);
  return new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((o: { key: string; sha256: string }) => [o.key, o.sha256]));
}
