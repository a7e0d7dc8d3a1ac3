import { basename, join } from 'node:path';
import { writeDirectoryAtomically } from '../../io/outputs/atomic-directory.js';
import { payloadBytes } from '../../sinks/file-plan.js';
import { droppedMetadataNote } from '../../sinks/output-formats.js';
import { planShardSet } from '../../sinks/shard-set-writer.js';
import { inputFiles } from '../../sources/open.js';
import type { ShardSetSinkSpec } from '../job-spec.js';
import { makeParent, type SinkKind } from '../planned-sink.js';
import { setOptions } from './set-options.js';

/** A shard set in a directory: written in the job's shared pass into a temporary directory, moved into place when complete. */
export const shardSetSink: SinkKind<ShardSetSinkSpec> = {
  plan(spec, parameters, sources, warn) {
    const files = planShardSet(spec.dir, parameters, setOptions(spec, spec.policy, sources, warn));
    return {
      kind: 'shards',
      target: spec.dir,
      parameters,
      files,
      outputs: [spec.dir, ...files.map((f) => f.path)],
      bytes: files.reduce((n, f) => n + payloadBytes(f), 0),
      says: spec.says,
      phase: 'pass',
      async enter(writing, pass) {
        await makeParent(spec.dir, writing);
        const { sync, publication } = writing;
        const inTemp = (temp: string) => files.map((f) => ({ ...f, path: join(temp, basename(f.path)) }));
        return writeDirectoryAtomically(spec.dir, spec.force, (temp) => pass(inTemp(temp)), { sync, publication, inputs: inputFiles(writing.sources) });
      },
    };
  },
  dropped: (spec, sources) => droppedMetadataNote(spec.format, spec.options, sources, spec.says.tensorMetadata),
};
