import type { Parameter } from '../model/parameter.js';
import type { OpenedSource } from '../sources/open.js';
import type { SinkSpec } from './job-spec.js';
import type { PlannedSink, SinkKind } from './planned-sink.js';
import { deviceSink } from './sinks/device-sink.js';
import { fileSink } from './sinks/file-sink.js';
import { shardSetSink } from './sinks/shard-set-sink.js';
import { tarSink } from './sinks/tar-sink.js';

type Kinds = { [K in SinkSpec['kind']]: SinkKind<Extract<SinkSpec, { kind: K }>> };

/** Every kind of sink, each in a file of its own under sinks/. */
export const SINKS: Kinds = { file: fileSink, shards: shardSetSink, tar: tarSink, device: deviceSink };

/** `SINKS[spec.kind]`, typed for the spec at hand. */
const kindOf = <S extends SinkSpec>(spec: S) => SINKS[spec.kind] as unknown as SinkKind<S>;

export const planSink = (spec: SinkSpec, parameters: Parameter[], sources: OpenedSource[], warn: (message: string) => void): PlannedSink => kindOf(spec).plan(spec, parameters, sources, warn);

export const droppedMetadataOf = (spec: SinkSpec, sources: OpenedSource[]): string | undefined => kindOf(spec).dropped?.(spec, sources);

export const keepsScopes = (spec: SinkSpec): boolean => kindOf(spec).keepsScopes ?? false;
