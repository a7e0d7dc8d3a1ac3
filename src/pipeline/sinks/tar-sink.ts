import { payloadBytes } from '../../sinks/file-plan.js';
import { droppedMetadataNote, OUTPUT_FORMATS } from '../../sinks/output-formats.js';
import { planShardSet } from '../../sinks/shard-set-writer.js';
import { writeTarFile } from '../../sinks/tar-writer.js';
import type { TarSinkSpec } from '../job-spec.js';
import { makeParent, type SinkKind } from '../planned-sink.js';
import { setOptions } from './set-options.js';

/** A shard set (or one file) as members of a tar, written front to back in a pass of its own. */
export const tarSink: SinkKind<TarSinkSpec> = {
  plan(spec, parameters, sources, warn) {
    const options = setOptions(spec, spec.policy ?? { shards: 1 }, sources, warn);
    const format = OUTPUT_FORMATS[spec.format];
    // Unsplit, the one member is PREFIX.EXT, a plain file rather than a set of one.
    const files = spec.policy ? planShardSet('', parameters, options) : [format.plan(`${options.prefix}.${format.extension}`, parameters, options, options).plan];
    return {
      kind: 'tar',
      target: spec.path,
      parameters,
      files,
      // A tar's files are member names, not paths.
      outputs: [spec.path],
      bytes: files.reduce((n, f) => n + payloadBytes(f), 0),
      says: spec.says,
      phase: 'own',
      async write(writing) {
        const { sync, publication, inputs, onProgress, abort } = writing;
        await makeParent(spec.path, writing);
        return writeTarFile(spec.path, files, { sync, publication, inputs, abort, ...(onProgress ? { onProgress } : {}) });
      },
    };
  },
  dropped: (spec, sources) => droppedMetadataNote(spec.format, spec.options, sources, spec.says.tensorMetadata),
};
