import { payloadBytes } from '../../sinks/file-plan.js';
import { droppedMetadataNote, planFile } from '../../sinks/output-formats.js';
import type { FileSinkSpec } from '../job-spec.js';
import { makeParent, type SinkKind } from '../planned-sink.js';

/** One file of any output format, written in the job's shared pass. */
export const fileSink: SinkKind<FileSinkSpec> = {
  plan(spec, parameters, sources) {
    const { plan, describe } = planFile(spec.format, spec.path, parameters, sources, spec.options);
    return {
      kind: spec.format,
      target: spec.path,
      parameters,
      files: [plan],
      outputs: [spec.path],
      bytes: payloadBytes(plan),
      says: spec.says,
      phase: 'pass',
      describe,
      async enter(writing, pass) {
        await makeParent(spec.path, writing);
        return pass([plan]);
      },
    };
  },
  dropped: (spec, sources) => droppedMetadataNote(spec.format, spec.options, sources, spec.says.tensorMetadata),
};
