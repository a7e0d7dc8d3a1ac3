/**
 * How long indexing takes: a GGUF with 10,000 tensors and a safetensors file
 * with 100,000 tensors, generated here, each opened with paramflow's reader;
 * the GGUF also with @huggingface/gguf (a peer parser) in the same run.
 *
 *   npm run build && node dist/bench/index-speed.js
 */
import { gguf } from '@huggingface/gguf';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGgufHeader } from '../src/formats/gguf/encode.js';
import { GgufValueType } from '../src/formats/gguf/types.js';
import { openSource } from '../src/sources/open.js';

const RUNS = 5;

async function best(fn: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < RUNS; ++i) {
    const start = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

function ggufWith(tensors: number): Uint8Array {
  const header = encodeGgufHeader({
    kv: [
      { key: 'general.architecture', type: GgufValueType.STRING, value: 'llama' },
      { key: 'tokenizer.ggml.tokens', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, items: Array.from({ length: 32000 }, (_, i) => `tok${i}`) } },
    ],
    tensors: Array.from({ length: tensors }, (_, i) => ({ name: `blk.${i >> 4}.t${i & 15}.weight`, dims: [32, 2], typeId: 8, offset: i * 96 })),
  });
  const dataOffset = Math.ceil(header.length / 32) * 32;
  const bytes = new Uint8Array(dataOffset + tensors * 96);
  bytes.set(header);
  return bytes;
}

function safetensorsWith(tensors: number): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (let i = 0; i < tensors; ++i) header[`model.layers.${i >> 4}.t${i & 15}.weight`] = { dtype: 'F16', shape: [2, 2], data_offsets: [i * 8, i * 8 + 8] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + tensors * 8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  return bytes;
}

const dir = await mkdtemp(join(tmpdir(), 'paramflow-bench-'));
try {
  const ggufPath = join(dir, 'many.gguf');
  const stPath = join(dir, 'many.safetensors');
  await writeFile(ggufPath, ggufWith(10_000));
  await writeFile(stPath, safetensorsWith(100_000));

  const ours = await best(() => openSource(ggufPath));
  const peer = await best(() => gguf(ggufPath, { allowLocalFile: true }));
  const st = await best(() => openSource(stPath));
  const rows = [
    ['GGUF, 10,000 tensors + 32,000-token vocabulary', 'paramflow', ours],
    ['GGUF, 10,000 tensors + 32,000-token vocabulary', '@huggingface/gguf', peer],
    ['safetensors, 100,000 tensors', 'paramflow', st],
  ] as const;
  console.log(`best of ${RUNS} runs`);
  for (const [what, who, ms] of rows) console.log(`${what.padEnd(48)} ${who.padEnd(18)} ${ms.toFixed(1).padStart(8)} ms`);
  console.log(`paramflow / @huggingface/gguf on the same GGUF: ${(ours / peer).toFixed(2)}x the time`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
