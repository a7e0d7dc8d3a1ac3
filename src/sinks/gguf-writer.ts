import type { GgufKvInput } from '../formats/gguf/encode.js';
import { GgufValueType } from '../formats/gguf/types.js';
import { planGguf } from '../formats/gguf/layout.js';
import type { Parameter } from '../model/parameter.js';
import { writeFiles, type ContainerWriteOptions } from './container-writer.js';
import { planContainerFile, type FilePlan } from './file-plan.js';
import type { OutputFormat } from './output-format.js';
import { ggufMetadataOf } from './source-metadata.js';
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

/** GGUF in the output-format table: the key/values in the first file; a set's files carry llama-gguf-split's split keys. */
export const ggufFormat: OutputFormat = {
  extension: 'gguf',
  summary: 'llama.cpp GGUF',
  carry: (sources) => ({ kv: ggufMetadataOf(sources) }),
  plan(path, parameters, options, carried, position) {
    if (!position) return { plan: planGgufFile(path, parameters, { rawDtype: options.rawDtype, kv: carried.kv }) };
    const split: GgufKvInput[] = [
      // The order llama-gguf-split writes them in.
      { key: 'split.no', type: GgufValueType.UINT16, value: position.index },
      { key: 'split.tensors.count', type: GgufValueType.INT32, value: position.parameters },
      { key: 'split.count', type: GgufValueType.UINT16, value: position.count },
    ];
    return { plan: planGgufFile(path, parameters, { rawDtype: options.rawDtype, kv: position.index === 0 ? [...(carried.kv ?? []), ...split] : split }) };
  },
};
