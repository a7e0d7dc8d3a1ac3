import { Worker } from 'node:worker_threads';
import { failpointLeft } from '../os/failpoints.js';
import { PlaceableBuffer } from '../os/placeable-buffer.js';

const BUFFER_BYTES = 128 * 1024;

/**
 * The loop a pump runs on its own thread: blocking reads and positioned
 * writes, one 128 KiB buffer, no promises. Kept as source text so the
 * bundled CLI needs no file of its own for it.
 */
const LOOP = `
const { readSync, writeSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { from, to, at, shared, offset, size, fail } = workerData;
const buffer = Buffer.from(shared, offset, size);
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
    if (fail && done + n > fail.bytes) throw Object.assign(new Error(fail.code + ' (injected by PARAMFLOW_FAILPOINTS)'), { code: fail.code });
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
    // The buffer is placed here, where koffi is loaded: lined up in its page with the file position
    // `at`, so the spill writes (and reads from a pipe a page-sized writer fills) copy whole pages.
    const view = PlaceableBuffer.allocate(BUFFER_BYTES, { shared: true }).at(at);
    // Tests inject read failures here too: the thread is told how many bytes it may read first.
    const fail = failpointLeft('read');
    const worker = new Worker(LOOP, { eval: true, workerData: { from, to, at, shared: view.buffer, offset: view.byteOffset, size: view.length, fail } });
    worker.once('message', (result: { done: number; stage?: 'read' | 'write'; code?: string; message?: string }) => {
      if (result.stage === undefined) resolve(result.done);
      else reject({ done: result.done, stage: result.stage, error: Object.assign(new Error(result.message), { code: result.code }) } satisfies PumpFailure);
    });
    worker.once('error', (error) => reject({ done: 0, stage: 'read', error } satisfies PumpFailure));
  });
}
