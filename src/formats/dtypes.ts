/**
 * Element types across formats. A parameter's dtype is named the way its
 * source names it: safetensors names (`F32`, `BF16`, `U8`) or ggml type names
 * (`Q4_K`, `F16`). These tables translate between them where a translation
 * exists; a quantized ggml type has no safetensors dtype, and a `U8` or
 * `BOOL` tensor has no ggml type.
 */
import { lookupTable } from './lookup-table.js';
import { SAFETENSORS_DTYPE_BITS } from './safetensors/dtypes.js';

/** ggml types that are plain element types, by their safetensors name. */
const GGML_TO_SAFETENSORS = lookupTable<string>({
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  F64: 'F64',
  I8: 'I8',
  I16: 'I16',
  I32: 'I32',
  I64: 'I64',
});

const SAFETENSORS_TO_GGML = lookupTable<string>(Object.fromEntries(Object.entries(GGML_TO_SAFETENSORS).map(([g, s]) => [s, g])));

/** PyTorch dtype names (iree-turbine's `PYTORCH:` metadata) to safetensors names. */
const TORCH_TO_SAFETENSORS = lookupTable<string>({
  float32: 'F32',
  float: 'F32',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  double: 'F64',
  int8: 'I8',
  uint8: 'U8',
  int16: 'I16',
  short: 'I16',
  uint16: 'U16',
  int32: 'I32',
  int: 'I32',
  uint32: 'U32',
  int64: 'I64',
  long: 'I64',
  uint64: 'U64',
  bool: 'BOOL',
  complex64: 'C64',
  float8_e4m3fn: 'F8_E4M3',
  float8_e5m2: 'F8_E5M2',
  float8_e4m3fnuz: 'F8_E4M3FNUZ',
  float8_e5m2fnuz: 'F8_E5M2FNUZ',
});

export function safetensorsDtypeOf(dtype: string): string | undefined {
  if (dtype in SAFETENSORS_DTYPE_BITS) return dtype;
  return GGML_TO_SAFETENSORS[dtype] ?? TORCH_TO_SAFETENSORS[dtype.replace(/^torch\./, '')];
}

export function ggmlTypeNameOf(dtype: string): string | undefined {
  const safetensors = safetensorsDtypeOf(dtype);
  return safetensors === undefined ? (dtype.match(/^[A-Z0-9_]+$/) ? dtype : undefined) : SAFETENSORS_TO_GGML[safetensors];
}
