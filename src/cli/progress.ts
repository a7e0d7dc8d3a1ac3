import type { CommandIO } from './command.js';

/** Counts bytes done against a total; draws a bar only on a terminal. */
export interface Progress {
  add(bytes: number): void;
  stop(): void;
}

const silent: Progress = { add: () => undefined, stop: () => undefined };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** A bar on a terminal for work of `totalBytes`; silent when piped or when the work is small. */
export async function progressBar(io: CommandIO, label: string, totalBytes: number): Promise<Progress> {
  // Small jobs finish before a bar could say anything.
  if (!io.interactive || totalBytes < 64 * 2 ** 20) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {done} of {total} | {speed} | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let done = 0;
  bar.start(totalBytes, 0, { done: mib(0), total: mib(totalBytes), speed: '' });
  return {
    add(bytes) {
      done += bytes;
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { done: mib(done), speed: seconds > 0 ? `${mib(done / seconds)}/s` : '' });
    },
    stop: () => bar.stop(),
  };
}
