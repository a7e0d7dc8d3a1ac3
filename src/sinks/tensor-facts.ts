import { DataError, UsageError } from '../errors.js';
import { ggmlTypeNameOf, safetensorsDtypeOf } from '../formats/dtypes.js';
import { ggmlTypeByName, MAX_DIMS } from '../formats/gguf/types.js';
import { SAFETENSORS_DTYPE_BITS } from '../formats/safetensors/dtypes.js';
import type { Parameter } from '../model/parameter.js';

/**
 * The dtype and shape a writer records for a parameter: the source's, or,
 * for one that has none (an IRPA input) and only when asked, its bytes as a
 * 1-D tensor of `rawDtype`.
 */
function facts(
  p: Parameter,
  format: string,
  rawDtype: string | undefined,
  elementBytes: (dtype: string) => number | undefined,
  byteType: string,
): { dtype: string; shape: number[] } {
  if (p.tensor) return p.tensor;
  if (!rawDtype) {
    throw new DataError(`parameter '${p.key}' (from ${p.origin}) has no dtype and shape to write as ${format}; pass --raw-dtype=${byteType} to write its bytes as a 1-D tensor`);
  }
  const size = elementBytes(rawDtype);
  if (size === undefined || !Number.isInteger(size)) throw new UsageError(`--raw-dtype=${rawDtype}: ${format} has no whole-byte element type ${rawDtype}; use ${byteType}`);
  if (p.length % size !== 0) throw new DataError(`parameter '${p.key}' of ${p.length} bytes is not a whole number of ${rawDtype} elements`);
  return { dtype: rawDtype, shape: [p.length / size] };
}

export function safetensorsFacts(p: Parameter, rawDtype?: string): { dtype: string; shape: number[] } {
  const { dtype, shape } = facts(p, 'safetensors', rawDtype, (d) => (d in SAFETENSORS_DTYPE_BITS ? SAFETENSORS_DTYPE_BITS[d]! / 8 : undefined), 'U8');
  const mapped = safetensorsDtypeOf(dtype);
  if (!mapped) throw new DataError(`parameter '${p.key}' is ${dtype}, which safetensors cannot express`);
  return { dtype: mapped, shape };
}

export function ggufFacts(p: Parameter, rawDtype?: string): { typeId: number; dims: number[] } {
  const elementBytes = (d: string) => {
    const t = ggmlTypeByName(d);
    return t && t.blockElements === 1 ? t.blockBytes : undefined;
  };
  const { dtype, shape } = facts(p, 'GGUF', rawDtype, elementBytes, 'I8');
  const type = p.tensor?.ggmlType !== undefined ? ggmlTypeByName(dtype) : ggmlTypeByName(ggmlTypeNameOf(dtype) ?? '');
  if (!type) throw new DataError(`parameter '${p.key}' is ${dtype}, which GGUF cannot express`);
  if (shape.length > MAX_DIMS) throw new DataError(`parameter '${p.key}' has ${shape.length} dimensions; GGUF holds at most ${MAX_DIMS}`);
  return { typeId: type.id, dims: [...shape].reverse() };
}
