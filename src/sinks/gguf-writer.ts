import type { GgufKvInput } from '../formats/gguf/encode.js';
import { planGguf } from '../formats/gguf/layout.js';
import type { Parameter } from '../model/parameter.js';
import { writeFiles, type ContainerWriteOptions } from './container-writer.js';
import { planContainerFile, type FilePlan } from './file-plan.js';
import { ggufFacts } from './tensor-facts.js';

export interface GgufWriterOptions extends ContainerWriteOptions {
  /** Key/value metadata to keep. */
  kv?: GgufKvInput[];
  /** The data alignment; by default the one every parameter is placed at, else the key/values' `general.alignment`, else 32. */
  alignment?: number;
  /** For parameters without dtype and shape: write their bytes as a 1-D tensor of this ggml type. */
  rawDtype?: string;
}

/** Plans one GGUF v3 file; splats are written expanded. */
export function planGgufFile(path: string, parameters: Parameter[], options: GgufWriterOptions = {}): FilePlan {
  const layout = planGguf(
    options.kv ?? [],
    parameters.map((p) => ({ name: p.key, ...ggufFacts(p, options.rawDtype), length: p.length, placement: p.placement })),
    options.alignment ?? commonPlacement(parameters),
  );
  return planContainerFile(path, parameters, { prefix: layout.header, offsets: layout.offsets, totalSize: layout.totalSize });
}

/** Writes parameters as one GGUF v3 file. Returns bytes moved. */
export function writeGguf(path: string, parameters: Parameter[], options: GgufWriterOptions = {}): Promise<number> {
  return writeFiles([planGgufFile(path, parameters, options)], options);
}

/** The placement every parameter asks for (`--align=BYTES` for all), which becomes the file's alignment. */
function commonPlacement(parameters: Parameter[]): number | undefined {
  const first = parameters[0]?.placement;
  return first !== undefined && parameters.every((p) => p.placement === first) ? first : undefined;
}
