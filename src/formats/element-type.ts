import { UsageError } from '../errors.js';

/**
 * Element types in IREE's HAL spelling: `i1`, `iN`/`siN`/`uiN` integers,
 * `fN`, `bfN`, `cfN` floats, opaque `xN`/`*N`, and the named f8 variants.
 */
export type ElementKind = 'bool' | 'int' | 'sint' | 'uint' | 'float' | 'bfloat' | 'complex' | 'opaque' | 'f8';

export interface ElementType {
  name: string;
  kind: ElementKind;
  bits: number;
}

const F8_NAMES = ['f8E5M2', 'f8E4M3FN', 'f8E5M2FNUZ', 'f8E4M3FNUZ', 'f8E8M0FNU'];
const PREFIXES: [string, ElementKind][] = [
  ['i', 'int'],
  ['si', 'sint'],
  ['ui', 'uint'],
  ['f', 'float'],
  ['bf', 'bfloat'],
  ['cf', 'complex'],
  ['x', 'opaque'],
  ['*', 'opaque'],
];

export function parseElementType(text: string): ElementType {
  if (text === 'i1') return { name: text, kind: 'bool', bits: 8 };
  if (F8_NAMES.includes(text)) return { name: text, kind: 'f8', bits: 8 };
  const prefix = PREFIXES.find(([p]) => text.startsWith(p) && /^\d+$/.test(text.slice(p.length)));
  if (!prefix) {
    if (!PREFIXES.some(([p]) => text.startsWith(p))) throw new UsageError(`unhandled element type prefix in '${text}'`);
    throw new UsageError(`out of range bit count in '${text}'`);
  }
  const bits = Number(text.slice(prefix[0].length));
  if (bits > 255) throw new UsageError(`out of range bit count in '${text}'`);
  return { name: text, kind: prefix[1], bits };
}

export function elementBytes(type: ElementType): number {
  return type.bits / 8;
}

export const MAX_RANK = 16;

export interface ShapedType {
  shape: number[];
  type: ElementType;
}

/**
 * Parses `AxBx...xTYPE`. The last `x` separates the shape from the type, as in
 * IREE; unlike IREE, an opaque `xN` type after a shape (`4xx32`) also works.
 */
export function parseShapedType(text: string): ShapedType {
  const spec = text.trim().replace(/^"|"$/g, '');
  if (spec === '') throw new UsageError('empty shape and type');
  let split = spec.lastIndexOf('x');
  // `4xx32` or `x32`: the last `x` begins an opaque type, not a dimension break.
  if (split >= 0 && /^\d+$/.test(spec.slice(split + 1)) && (split === 0 || spec[split - 1] === 'x')) {
    split = split === 0 ? -1 : split - 1;
  }
  const shapeText = split < 0 ? '' : spec.slice(0, split);
  const typeText = split < 0 ? spec : spec.slice(split + 1);
  const dims = shapeText === '' ? [] : shapeText.split('x');
  if (dims.length > MAX_RANK) throw new UsageError(`shape '${shapeText}' has ${dims.length} dimensions; at most ${MAX_RANK} are allowed`);
  const shape = dims.map((dim, i) => {
    if (!/^\d+$/.test(dim) || !Number.isSafeInteger(Number(dim))) {
      throw new UsageError(`shape[${i}] invalid value '${dim}' of '${shapeText}'`);
    }
    return Number(dim);
  });
  const type = parseElementType(typeText);
  if (type.bits === 0 || type.bits % 8 !== 0) {
    throw new UsageError(
      `element type '${type.name}': opaque and sub-byte aligned element types cannot be used as parameter types; use a bitcast type (2xi4=1xi8, etc)`,
    );
  }
  return { shape, type };
}

/** Bytes of a dense tensor of this shape and type; refuses sizes past 2^53. */
export function denseByteCount({ shape, type }: ShapedType): number {
  const total = shape.reduce((n, d) => n * BigInt(d), BigInt(elementBytes(type)));
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`${shape.join('x')}x${type.name} is too large (${total} bytes)`);
  return Number(total);
}
