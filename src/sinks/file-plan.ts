import { littleEndian } from '../model/byte-order.js';
import type { Parameter } from '../model/parameter.js';
import { storedPieceSource } from '../scheduler/parameter-chunks.js';
import { isZeroFill, type CopyPiece, type PieceSource } from '../scheduler/plan.js';

/** A file format's plan: the bytes before the payloads, and where each parameter's bytes go. */
export interface ContainerLayout {
  prefix: Uint8Array;
  /** Absolute offset of each parameter's bytes, or undefined for one stored without bytes (a splat). */
  offsets: (number | undefined)[];
  totalSize: number;
}

/**
 * One output file, planned but not written: its size, the bytes it starts
 * with, and the payload copies that fill the rest. The file is sized first,
 * so gaps and zeroed parameters need no writing.
 */
export interface FilePlan {
  path: string;
  prefix: Uint8Array;
  totalSize: number;
  /** Payload copies; each tag numbers a parameter within this file. */
  pieces: CopyPiece[];
  /** Parameters the file holds, those needing no copy included. */
  parameterCount: number;
  /** Where each parameter lies (no offset: stored without bytes, a splat), for plans shown to users. */
  layout(): PlannedEntry[];
}

export interface PlannedEntry {
  key: string;
  offset: number | undefined;
  length: number;
  /** For computed bytes: the kernel that makes them and the source bytes it reads. */
  computed?: { kernel: string; sourceLength: number };
  /** The tensor written, where the parameter has one, and what the source held when a transform changed it. */
  dtype?: string;
  shape?: number[];
  was?: { dtype: string; shape: number[] };
}

/** Where a parameter's bytes come from, as the scheduler copies them (in little-endian order, as every output holds them). */
export const pieceSource = (p: Parameter): PieceSource => storedPieceSource(littleEndian(p));

export function planContainerFile(path: string, parameters: Parameter[], layout: ContainerLayout): FilePlan {
  const pieces: CopyPiece[] = [];
  parameters.forEach((p, i) => {
    const target = layout.offsets[i];
    if (target === undefined) return;
    // The parameter's own source object serves a plain piece: 100,000 parameters need no 100,000 copies.
    const source = pieceSource(p);
    // The file is sized with zeros: empty and zeroed parameters need no writing.
    if (p.length === 0 || isZeroFill(source)) return;
    pieces.push({ target, length: p.length, source, tag: i });
  });
  const entries = () =>
    parameters.map((p, i): PlannedEntry => {
      const { storage } = littleEndian(p);
      const computed = storage.kind === 'computed' ? { computed: { kernel: storage.kernel.name, sourceLength: storage.sourceLength } } : {};
      const tensor = p.tensor ? { dtype: p.tensor.dtype, shape: p.tensor.shape, ...(p.tensor.was ? { was: p.tensor.was } : {}) } : {};
      return { key: p.key, offset: layout.offsets[i], length: p.length, ...tensor, ...computed };
    });
  return { path, prefix: layout.prefix, totalSize: layout.totalSize, pieces, parameterCount: parameters.length, layout: entries };
}

/** A file holding one parameter's bytes as stored, and nothing else (`dump --extract`). */
export function planParameterFile(path: string, p: Parameter): FilePlan {
  const pieces: CopyPiece[] = p.length === 0 ? [] : [{ target: 0, length: p.length, source: storedPieceSource(p), tag: 0 }];
  return { path, prefix: new Uint8Array(0), totalSize: p.length, pieces, parameterCount: 1, layout: () => [{ key: p.key, offset: 0, length: p.length }] };
}

/** A file of known bytes (an index, a manifest). */
export function planBytesFile(path: string, bytes: Uint8Array): FilePlan {
  return { path, prefix: bytes, totalSize: bytes.length, pieces: [], parameterCount: 0, layout: () => [] };
}

export const payloadBytes = (plan: FilePlan) => plan.pieces.reduce((n, p) => n + p.length, 0);

/** The source files planned files read from (none of them may be an output). */
export function planInputs(plans: FilePlan[]): Set<string> {
  const paths = new Set<string>();
  for (const plan of plans) for (const p of plan.pieces) if (p.source.kind !== 'fill') paths.add(p.source.path);
  return paths;
}

/** The parameters as a planned file will hold them: each at its place in it (a splat stays a splat). */
export function describePlanned(plan: FilePlan, parameters: Parameter[]): Parameter[] {
  const layout = plan.layout();
  return parameters.map((p, i) => {
    const offset = layout[i]?.offset;
    const storage: Parameter['storage'] = offset === undefined ? p.storage : { kind: 'data', source: { kind: 'file', path: plan.path, offset } };
    return { ...p, storage, origin: plan.path };
  });
}
