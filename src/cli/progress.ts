import type { ProgressState } from '../scheduler/progress.js';
import type { CommandIO } from './command.js';

/**
 * Shows running totals as one status line on a terminal's standard error.
 * What a command prints meanwhile goes above it: the line is cleared first
 * and drawn again after, so a listing on the same terminal is never cut.
 */
export interface Progress {
  /** False when nothing is drawn, so callers can skip tracking. */
  active: boolean;
  update(state: ProgressState): void;
  stop(): void;
  /** `io`, printing above the status line. */
  above(io: CommandIO): CommandIO;
}

/** Nothing drawn: for runs that print JSON or nothing. */
export const noProgress: Progress = { active: false, update: () => undefined, stop: () => undefined, above: (io) => io };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const CLEAR = '\r\x1b[2K';
/** Redraws at most this often: a line per job would cost more than the copy. */
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 60 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}

/** A status line on a terminal for work of `totalBytes`; silent when piped or when the work is small. */
export async function progressBar(io: CommandIO, label: string, totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Promise<Progress> {
  // Small jobs finish before a line could say anything.
  if (!io.interactive || totalBytes < 64 * 2 ** 20) return noProgress;
  const started = performance.now();
  let state: ProgressState = { bytesDone: 0, bytesTotal: totalBytes, parametersDone: 0, parametersTotal: 0 };
  let drawn = 0;
  let shown = false;
  const line = () => {
    const elapsed = (performance.now() - started) / 1000;
    const fraction = Math.min(1, state.bytesDone / Math.max(1, state.bytesTotal));
    const filled = Math.round(fraction * BAR_WIDTH);
    const rate = elapsed > 0 ? state.bytesDone / elapsed : 0;
    const eta = rate > 0 ? (state.bytesTotal - state.bytesDone) / rate : Infinity;
    const parts = [
      `${label} [${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}%`,
      `${mib(state.bytesDone)} of ${mib(state.bytesTotal)}`,
      ...(state.parametersTotal > 0 ? [`${state.parametersDone}/${state.parametersTotal} parameters`] : []),
      ...(rate > 0 ? [`${mib(rate)}/s`, `eta ${seconds(eta)}`] : []),
    ];
    return parts.join(' | ').slice(0, Math.max(20, (stream.columns ?? 80) - 1));
  };
  const draw = () => {
    stream.write(`${CLEAR}${line()}`);
    drawn = performance.now();
    shown = true;
  };
  const clear = () => {
    if (shown) stream.write(CLEAR);
    shown = false;
  };
  draw();
  let stopped = false;
  return {
    active: true,
    update(next) {
      state = next;
      if (!stopped && performance.now() - drawn >= REDRAW_MS) draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clear();
    },
    above: (inner) => ({
      ...inner,
      out(text) {
        clear();
        inner.out(text);
        if (!stopped) draw();
      },
      err(text) {
        clear();
        inner.err(text);
        if (!stopped) draw();
      },
    }),
  };
}

/**
 * Runs a write with a status line for `totalBytes` on a terminal;
 * `onProgress` is undefined when nothing is drawn, so the writer need not
 * track progress.
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
