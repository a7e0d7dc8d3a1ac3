import { planSafetensors } from '../formats/safetensors/encode.js';
import type { Parameter } from '../model/parameter.js';
import { writeFiles, type ContainerWriteOptions } from './container-writer.js';
import { planContainerFile, type FilePlan } from './file-plan.js';
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
