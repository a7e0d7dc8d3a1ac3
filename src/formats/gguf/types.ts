/** GGUF metadata value types. */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** How each fixed-size value type sits in a DataView. */
export interface ScalarCodec {
  size: number;
  get(view: DataView, at: number, littleEndian: boolean): number | bigint | boolean;
  set(view: DataView, at: number, value: number | bigint | boolean, littleEndian: boolean): void;
}

const scalar = (size: number, get: ScalarCodec['get'], set: ScalarCodec['set']): ScalarCodec => ({ size, get, set });

export const SCALARS: Partial<Record<GgufValueType, ScalarCodec>> = {
  [GgufValueType.UINT8]: scalar(1, (v, at) => v.getUint8(at), (v, at, x) => v.setUint8(at, Number(x))),
  [GgufValueType.INT8]: scalar(1, (v, at) => v.getInt8(at), (v, at, x) => v.setInt8(at, Number(x))),
  [GgufValueType.BOOL]: scalar(1, (v, at) => v.getUint8(at) !== 0, (v, at, x) => v.setUint8(at, x ? 1 : 0)),
  [GgufValueType.UINT16]: scalar(2, (v, at, le) => v.getUint16(at, le), (v, at, x, le) => v.setUint16(at, Number(x), le)),
  [GgufValueType.INT16]: scalar(2, (v, at, le) => v.getInt16(at, le), (v, at, x, le) => v.setInt16(at, Number(x), le)),
  [GgufValueType.UINT32]: scalar(4, (v, at, le) => v.getUint32(at, le), (v, at, x, le) => v.setUint32(at, Number(x), le)),
  [GgufValueType.INT32]: scalar(4, (v, at, le) => v.getInt32(at, le), (v, at, x, le) => v.setInt32(at, Number(x), le)),
  [GgufValueType.FLOAT32]: scalar(4, (v, at, le) => v.getFloat32(at, le), (v, at, x, le) => v.setFloat32(at, Number(x), le)),
  [GgufValueType.UINT64]: scalar(8, (v, at, le) => v.getBigUint64(at, le), (v, at, x, le) => v.setBigUint64(at, BigInt(x), le)),
  [GgufValueType.INT64]: scalar(8, (v, at, le) => v.getBigInt64(at, le), (v, at, x, le) => v.setBigInt64(at, BigInt(x), le)),
  [GgufValueType.FLOAT64]: scalar(8, (v, at, le) => v.getFloat64(at, le), (v, at, x, le) => v.setFloat64(at, Number(x), le)),
};

export interface GgmlType {
  id: number;
  name: string;
  /** Elements per block. */
  blockElements: number;
  /** Bytes per block. */
  blockBytes: number;
  /**
   * The multi-byte fields of a block, as [offset, width]: what changes when
   * the byte order does (ggml's block structs: f16 scales, f32 and u16/i16
   * arrays; byte arrays stay). None for single-byte types.
   */
  swap?: readonly (readonly [number, number])[];
}

/** `n` fields of `width` bytes from `at`. */
const fields = (at: number, width: number, n = 1): [number, number][] => Array.from({ length: n }, (_, i) => [at + i * width, width]);

const K = 256; // QK_K, the K-quant super-block

/**
 * The ggml type table as llama.cpp has it today. Ids 4, 5 (Q4_2, Q4_3) and
 * 31-33, 36-38 (the interleaved Q4_0_x_x / IQ4_NL_x_x repacks) were retired
 * and are never written to files.
 */
export const GGML_TYPES: GgmlType[] = [
  { id: 0, name: 'F32', blockElements: 1, blockBytes: 4, swap: fields(0, 4) },
  { id: 1, name: 'F16', blockElements: 1, blockBytes: 2, swap: fields(0, 2) },
  { id: 2, name: 'Q4_0', blockElements: 32, blockBytes: 18, swap: fields(0, 2) },
  { id: 3, name: 'Q4_1', blockElements: 32, blockBytes: 20, swap: fields(0, 2, 2) },
  { id: 6, name: 'Q5_0', blockElements: 32, blockBytes: 22, swap: fields(0, 2) },
  { id: 7, name: 'Q5_1', blockElements: 32, blockBytes: 24, swap: fields(0, 2, 2) },
  { id: 8, name: 'Q8_0', blockElements: 32, blockBytes: 34, swap: fields(0, 2) },
  { id: 9, name: 'Q8_1', blockElements: 32, blockBytes: 36, swap: fields(0, 2, 2) },
  { id: 10, name: 'Q2_K', blockElements: K, blockBytes: 84, swap: fields(80, 2, 2) },
  { id: 11, name: 'Q3_K', blockElements: K, blockBytes: 110, swap: fields(108, 2) },
  { id: 12, name: 'Q4_K', blockElements: K, blockBytes: 144, swap: fields(0, 2, 2) },
  { id: 13, name: 'Q5_K', blockElements: K, blockBytes: 176, swap: fields(0, 2, 2) },
  { id: 14, name: 'Q6_K', blockElements: K, blockBytes: 210, swap: fields(208, 2) },
  { id: 15, name: 'Q8_K', blockElements: K, blockBytes: 292, swap: [...fields(0, 4), ...fields(260, 2, 16)] },
  { id: 16, name: 'IQ2_XXS', blockElements: K, blockBytes: 66, swap: fields(0, 2, 33) },
  { id: 17, name: 'IQ2_XS', blockElements: K, blockBytes: 74, swap: fields(0, 2, 33) },
  { id: 18, name: 'IQ3_XXS', blockElements: K, blockBytes: 98, swap: fields(0, 2) },
  { id: 19, name: 'IQ1_S', blockElements: K, blockBytes: 50, swap: [...fields(0, 2), ...fields(34, 2, 8)] },
  { id: 20, name: 'IQ4_NL', blockElements: 32, blockBytes: 18, swap: fields(0, 2) },
  { id: 21, name: 'IQ3_S', blockElements: K, blockBytes: 110, swap: fields(0, 2) },
  { id: 22, name: 'IQ2_S', blockElements: K, blockBytes: 82, swap: fields(0, 2) },
  { id: 23, name: 'IQ4_XS', blockElements: K, blockBytes: 136, swap: fields(0, 2, 2) },
  { id: 24, name: 'I8', blockElements: 1, blockBytes: 1 },
  { id: 25, name: 'I16', blockElements: 1, blockBytes: 2, swap: fields(0, 2) },
  { id: 26, name: 'I32', blockElements: 1, blockBytes: 4, swap: fields(0, 4) },
  { id: 27, name: 'I64', blockElements: 1, blockBytes: 8, swap: fields(0, 8) },
  { id: 28, name: 'F64', blockElements: 1, blockBytes: 8, swap: fields(0, 8) },
  { id: 29, name: 'IQ1_M', blockElements: K, blockBytes: 56, swap: fields(48, 2, 4) },
  { id: 30, name: 'BF16', blockElements: 1, blockBytes: 2, swap: fields(0, 2) },
  { id: 34, name: 'TQ1_0', blockElements: K, blockBytes: 54, swap: fields(52, 2) },
  { id: 35, name: 'TQ2_0', blockElements: K, blockBytes: 66, swap: fields(64, 2) },
  { id: 39, name: 'MXFP4', blockElements: 32, blockBytes: 17 },
];

const BY_ID = new Map(GGML_TYPES.map((t) => [t.id, t]));
const BY_NAME = new Map(GGML_TYPES.map((t) => [t.name, t]));

export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

export function ggmlTypeByName(name: string): GgmlType | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export const DEFAULT_ALIGNMENT = 32;
/** ggml tensors have at most 4 dimensions. */
export const MAX_DIMS = 4;
