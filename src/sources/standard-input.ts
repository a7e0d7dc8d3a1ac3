import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ioError } from '../errors.js';
import { addPendingOutput } from '../io/atomic-output.js';

let spilled: Promise<string> | undefined;

/**
 * Standard input (`--parameters=-`) copied to a temporary file, streaming
 * (memory stays at the stream's buffers), so that it can be read like any
 * file, tar or bare: the cost is disk space equal to the input, given back
 * when the process ends or is stopped. Read once, however often it is named.
 */
export function standardInputFile(): Promise<string> {
  spilled ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paramflow-stdin-'));
    addPendingOutput(dir);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'standard-input');
    try {
      await pipeline(process.stdin, createWriteStream(path));
    } catch (error) {
      throw ioError('standard input', error, 'read');
    }
    return path;
  })();
  return spilled;
}
