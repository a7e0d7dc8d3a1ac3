import { Worker } from 'node:worker_threads';

/**
 * The loop a pump runs on its own thread: blocking reads and positioned
 * writes, one 128 KiB buffer, no promises. Kept as source text so the
 * bundled CLI needs no file of its own for it.
 */
const LOOP = `
const { readSync, writeSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { from, to, at } = workerData;
const buffer = Buffer.allocUnsafe(128 * 1024);
const pause = new Int32Array(new SharedArrayBuffer(4));
let done = 0;
let stage = 'read';
try {
  for (;;) {
    let n;
    try {
      n = readSync(from, buffer, 0, buffer.length, null);
    } catch (error) {
      // A stream another process left non-blocking: wait for bytes rather than fail.
      if (error.code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; }
      throw error;
    }
    if (n === 0) break;
    stage = 'write';
    for (let w = 0; w < n; ) w += writeSync(to, buffer, w, n - w, at + done + w);
    stage = 'read';
    done += n;
  }
  parentPort.postMessage({ done });
} catch (error) {
  parentPort.postMessage({ done, stage, code: error.code, message: error.message });
}
`;

export interface PumpFailure {
  /** Bytes copied before it failed. */
  done: number;
  stage: 'read' | 'write';
  error: NodeJS.ErrnoException;
}

/**
 * Copies everything left in the stream on `from` into the file on `to` from
 * byte `at`, on a thread of its own. A pipe read through the event loop
 * costs a thread-pool round trip per read, about twice `cat`'s time for a
 * 2 GiB stream; blocking reads on one thread come close to `cat`. Resolves
 * with the bytes copied; rejects with a {@link PumpFailure}.
 */
export function pumpToFile(from: number, to: number, at: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOOP, { eval: true, workerData: { from, to, at } });
    worker.once('message', (result: { done: number; stage?: 'read' | 'write'; code?: string; message?: string }) => {
      if (result.stage === undefined) resolve(result.done);
      else reject({ done: result.done, stage: result.stage, error: Object.assign(new Error(result.message), { code: result.code }) } satisfies PumpFailure);
    });
    worker.once('error', (error) => reject({ done: 0, stage: 'read', error } satisfies PumpFailure));
  });
}
