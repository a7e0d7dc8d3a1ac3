import { planSafetensors } from '../formats/safetensors/encode.js';
import type { Parameter } from '../model/parameter.js';
import { writeContainer, type ContainerWriteOptions } from './container-writer.js';
import { safetensorsFacts } from './tensor-facts.js';

export interface SafetensorsWriterOptions extends ContainerWriteOptions {
  /** `__metadata__` to keep (string to string). */
  metadata?: Record<string, string>;
  /** For parameters without dtype and shape: write their bytes as a 1-D tensor of this dtype. */
  rawDtype?: string;
}

/** Writes parameters as one safetensors file; splats are written expanded. Returns bytes moved. */
export async function writeSafetensors(path: string, parameters: Parameter[], options: SafetensorsWriterOptions = {}): Promise<number> {
  const layout = planSafetensors(
    parameters.map((p) => ({ name: p.key, ...safetensorsFacts(p, options.rawDtype), length: p.length })),
    options.metadata,
  );
  return writeContainer(path, parameters, { prefix: layout.header, offsets: layout.offsets, totalSize: layout.totalSize }, options);
}
