import { safetensorsDtypeOf } from './dtypes.js';
import { lookupTable } from './lookup-table.js';
import { SAFETENSORS_DTYPE_BITS } from './safetensors/dtypes.js';

/**
 * Dtype and shape in an IRPA entry's metadata blob. IREE's Python tools
 * (iree.runtime, iree-turbine) write and read `PYTORCH:` followed by the JSON
 * Python's json.dumps makes of {type, dtype, shape, dtype_desc}; paramflow
 * writes that for every dtype PyTorch has, and `TENSORv0:` + {dtype, shape}
 * (safetensors or ggml names) for the rest, such as quantized ggml types.
 */
const TORCH_NAMES = lookupTable<string>({
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I8: 'int8',
  U8: 'uint8',
  I16: 'int16',
  U16: 'uint16',
  I32: 'int32',
  U32: 'uint32',
  I64: 'int64',
  U64: 'uint64',
  BOOL: 'bool',
  C64: 'complex64',
  F8_E4M3: 'float8_e4m3fn',
  F8_E5M2: 'float8_e5m2',
  F8_E4M3FNUZ: 'float8_e4m3fnuz',
  F8_E5M2FNUZ: 'float8_e5m2fnuz',
});

const PYTORCH = 'PYTORCH:';
const TENSOR_V0 = 'TENSORv0:';

/** Python's json.dumps spacing: ", " between items, ": " after keys. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

export function encodeTensorMetadata(dtype: string, shape: number[]): Uint8Array {
  const name = safetensorsDtypeOf(dtype);
  const torch = name ? TORCH_NAMES[name] : undefined;
  if (!name || !torch) return Buffer.from(`${TENSOR_V0}${JSON.stringify({ dtype, shape })}`);
  const floating = name.startsWith('F') || name === 'BF16';
  const dtypeDesc = {
    class_name: 'dtype',
    is_complex: name === 'C64',
    is_floating_point: floating,
    is_signed: floating || name.startsWith('I') || name === 'C64',
    itemsize: SAFETENSORS_DTYPE_BITS[name]! / 8,
  };
  return Buffer.from(`${PYTORCH}${pythonJson({ type: 'Tensor', dtype: torch, shape, dtype_desc: dtypeDesc })}`);
}

/** Reads either form; undefined for other metadata or facts that disagree with the length. */
export function decodeTensorMetadata(metadata: Uint8Array | undefined, length: number): { dtype: string; shape: number[] } | undefined {
  if (!metadata || metadata.length > 65536) return undefined;
  const text = Buffer.from(metadata).toString('utf8');
  const prefix = [PYTORCH, TENSOR_V0].find((p) => text.startsWith(p));
  if (!prefix) return undefined;
  try {
    const { dtype, shape } = JSON.parse(text.slice(prefix.length)) as { dtype?: unknown; shape?: unknown };
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return undefined;
    const name = prefix === PYTORCH ? safetensorsDtypeOf(dtype) : dtype;
    const bits = name ? SAFETENSORS_DTYPE_BITS[name] : undefined;
    const elements = (shape as number[]).reduce((n, d) => n * d, 1);
    // Quantized ggml types are kept as named; plain dtypes must match the length.
    if (name === undefined || (bits !== undefined && (elements * bits) / 8 !== length)) return undefined;
    return { dtype: name, shape: shape as number[] };
  } catch {
    return undefined;
  }
}
