import type { ProgressState } from '../scheduler/progress.js';
import type { CommandIO } from './command.js';

/** Shows running totals; draws a bar only on a terminal. */
export interface Progress {
  /** False when nothing is drawn, so callers can skip tracking. */
  active: boolean;
  update(state: ProgressState): void;
  stop(): void;
}

const silent: Progress = { active: false, update: () => undefined, stop: () => undefined };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** A bar on a terminal for work of `totalBytes`; silent when piped or when the work is small. */
export async function progressBar(io: CommandIO, label: string, totalBytes: number): Promise<Progress> {
  // Small jobs finish before a bar could say anything.
  if (!io.interactive || totalBytes < 64 * 2 ** 20) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {done} of {size} | {parameters} parameters | {speed} | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(totalBytes, 0, { done: mib(0), size: mib(totalBytes), speed: '', parameters: '' });
  return {
    active: true,
    update(state) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(state.bytesDone, {
        done: mib(state.bytesDone),
        speed: seconds > 0 ? `${mib(state.bytesDone / seconds)}/s` : '',
        parameters: `${state.parametersDone}/${state.parametersTotal}`,
      });
    },
    stop: () => bar.stop(),
  };
}

/**
 * Runs a write with a bar for `totalBytes` on a terminal; `onProgress` is
 * undefined when nothing is drawn, so the writer need not track progress.
 */
export async function withProgress<T>(
  io: CommandIO,
  label: string,
  totalBytes: number,
  work: (onProgress: ((state: ProgressState) => void) | undefined) => Promise<T>,
): Promise<T> {
  const progress = await progressBar(io, label, totalBytes);
  try {
    return await work(progress.active ? (state) => progress.update(state) : undefined);
  } finally {
    progress.stop();
  }
}
