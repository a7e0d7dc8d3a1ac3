import { join } from 'node:path';
import { planSafetensors } from '../formats/safetensors/encode.js';
import type { Parameter } from '../model/parameter.js';
import { writeFiles, type ContainerWriteOptions } from './container-writer.js';
import { planBytesFile, planContainerFile, type FilePlan } from './file-plan.js';
import type { OutputFormat } from './output-format.js';
import { safetensorsMetadataOf } from './source-metadata.js';
import { safetensorsFacts } from './tensor-facts.js';

export interface SafetensorsWriterOptions extends ContainerWriteOptions {
  /** `__metadata__` to keep (string to string). */
  metadata?: Record<string, string>;
  /** For parameters without dtype and shape: write their bytes as a 1-D tensor of this dtype. */
  rawDtype?: string;
}

/** Plans one safetensors file; splats are written expanded. */
export function planSafetensorsFile(path: string, parameters: Parameter[], options: SafetensorsWriterOptions = {}): FilePlan {
  const layout = planSafetensors(
    parameters.map((p) => ({ name: p.key, ...safetensorsFacts(p, options.rawDtype), length: p.length })),
    options.metadata,
  );
  return planContainerFile(path, parameters, { prefix: layout.header, offsets: layout.offsets, totalSize: layout.totalSize });
}

/** Writes parameters as one safetensors file. Returns bytes moved. */
export function writeSafetensors(path: string, parameters: Parameter[], options: SafetensorsWriterOptions = {}): Promise<number> {
  return writeFiles([planSafetensorsFile(path, parameters, options)], options);
}

/** safetensors in the output-format table: `__metadata__` in every file; a set is indexed as Hugging Face indexes one. */
export const safetensorsFormat: OutputFormat = {
  extension: 'safetensors',
  summary: 'Hugging Face safetensors',
  setPrefix: 'model',
  plainSetOfOne: true,
  carry: (sources) => ({ metadata: safetensorsMetadataOf(sources) }),
  plan: (path, parameters, options, carried) => ({ plan: planSafetensorsFile(path, parameters, { rawDtype: options.rawDtype, metadata: carried.metadata }) }),
  setIndex(dir, prefix, shards) {
    // Keys sorted, as Hugging Face writes the weight_map.
    const entries = shards.flatMap((shard) => shard.parameters.map((p): [string, string] => [p.key, shard.name]));
    const weightMap = Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const totalSize = shards.reduce((n, shard) => shard.parameters.reduce((m, p) => m + p.length, n), 0);
    const index = JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2);
    return planBytesFile(join(dir, `${prefix}.safetensors.index.json`), Buffer.from(`${index}\n`));
  },
};
