import test from 'ava';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HEADER_SIZE, MAX_CHAINED_ARCHIVES, MAX_ENTRY_SEGMENT_BYTES, MAX_METADATA_SEGMENT_BYTES } from '../src/formats/irpa/constants.js';
import { encodeHeader, type IrpaHeader } from '../src/formats/irpa/header.js';
import { MAX_GGUF_HEADER_BYTES } from '../src/sources/gguf.js';
import { openSource } from '../src/sources/open.js';
import { inTempDir } from './helpers/paths.js';

const STRIDE = 96; // 88 bytes rounded up to the 16-byte header alignment
const empty = (next: bigint): IrpaHeader => ({
  versionMajor: 0,
  versionMinor: 0,
  nextHeaderOffset: next,
  flags: 0n,
  entryCount: 0,
  entrySegment: { offset: HEADER_SIZE, length: 0 },
  metadataSegment: { offset: HEADER_SIZE, length: 0 },
  storageSegment: { offset: HEADER_SIZE, length: 0 },
});

/** `count` empty archives chained back to back. */
function chain(count: number): Uint8Array {
  const bytes = new Uint8Array(count * STRIDE);
  for (let i = 0; i < count; ++i) encodeHeader(empty(i === count - 1 ? 0n : BigInt(STRIDE)), bytes.subarray(i * STRIDE));
  return bytes;
}

test('a chain of exactly the cap of archives reads; one more is refused', async (t) => {
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'at.irpa'), chain(MAX_CHAINED_ARCHIVES));
    t.deepEqual((await openSource(join(dir, 'at.irpa'))).parameters, []);
    await writeFile(join(dir, 'past.irpa'), chain(MAX_CHAINED_ARCHIVES + 1));
    await t.throwsAsync(openSource(join(dir, 'past.irpa')), { message: new RegExp(`more than ${MAX_CHAINED_ARCHIVES} chained archives`) });
  });
});

test('entry and metadata segments at their caps are accepted; one byte more is refused before anything is read', async (t) => {
  await inTempDir(async (dir) => {
    for (const [field, cap] of [
      ['entrySegment', MAX_ENTRY_SEGMENT_BYTES],
      ['metadataSegment', MAX_METADATA_SEGMENT_BYTES],
    ] as const) {
      for (const length of [cap, cap + 1]) {
        const path = join(dir, `${field}-${length}.irpa`);
        const header = { ...empty(0n), [field]: { offset: 4096, length } };
        const bytes = new Uint8Array(HEADER_SIZE);
        encodeHeader(header, bytes);
        // A sparse file large enough to hold the segment: the cap, not the file's size, is what is tested.
        const handle = await open(path, 'w');
        await handle.write(bytes, 0, bytes.length, 0);
        await handle.truncate(4096 + cap + 4096);
        await handle.close();
        if (length === cap) t.deepEqual((await openSource(path)).parameters, [], `${field} at the cap`);
        else await t.throwsAsync(openSource(path), { message: /larger than|limit/ }, `${field} past the cap`);
      }
    }
  });
});

test('a GGUF header past its 512 MiB cap is refused without reading it', async (t) => {
  await inTempDir(async (dir) => {
    // One string value claiming 513 MiB, in a sparse file that holds it.
    const claimed = MAX_GGUF_HEADER_BYTES + 2 ** 20;
    const head = Buffer.alloc(4 + 4 + 8 + 8 + 8 + 1 + 4 + 8);
    let at = head.write('GGUF', 0, 'latin1');
    at = head.writeUInt32LE(3, at);
    at = head.writeBigUInt64LE(0n, at); // tensors
    at = head.writeBigUInt64LE(1n, at); // key/values
    at = head.writeBigUInt64LE(1n, at); // key length
    at += head.write('k', at, 'latin1');
    at = head.writeUInt32LE(8, at); // string
    head.writeBigUInt64LE(BigInt(claimed), at);
    const path = join(dir, 'big.gguf');
    const handle = await open(path, 'w');
    await handle.write(head, 0, head.length, 0);
    await handle.truncate(head.length + claimed + 4096);
    await handle.close();
    await t.throwsAsync(openSource(path), { message: /larger than the 536870912-byte limit/ });
  });
});
