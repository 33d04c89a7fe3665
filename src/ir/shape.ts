import { shapeError } from './errors.js';

/** A dimension: a literal size, or a symbol bound to a size when the model is compiled. */
export type Dim = number | string;
export type Shape = readonly Dim[];
/** A shape after symbolic dims are bound. */
export type ConcreteShape = readonly number[];

export const fmtShape = (s: Shape): string => `[${s.map((d) => (typeof d === 'string' ? `'${d}'` : String(d))).join(', ')}]`;

export const numel = (s: ConcreteShape): number => s.reduce((a, b) => a * b, 1);

export function checkDim(d: Dim, where: string): void {
  if (typeof d === 'number') {
    if (!Number.isInteger(d) || d < 1) throw shapeError(`${where}: dimension ${d} must be a positive integer`);
  } else if (typeof d !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(d)) {
    throw shapeError(`${where}: symbolic dimension ${JSON.stringify(d)} must be an identifier`);
  }
}

/**
 * Numpy broadcasting over possibly-symbolic dims. A symbol broadcasts with itself or with 1; a
 * symbol against a different symbol or a literal other than 1 is rejected, because the compiler
 * could not prove it valid for every binding (the typed DSL applies the same rule).
 */
export function broadcastDims(a: Dim, b: Dim): Dim | undefined {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  return undefined;
}

export function broadcastShapes(a: Shape, b: Shape, what = 'broadcast'): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    const d = broadcastDims(da, db);
    if (d === undefined) {
      throw shapeError(`${what}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out.push(d);
  }
  return out;
}

/** Normalize possibly-negative axes against a rank; sorted, unique. */
export function normalizeAxes(axes: readonly number[], rank: number, what: string): number[] {
  const out = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw shapeError(`${what}: axis ${a} does not exist in a tensor of rank ${rank}`);
    }
    out.add(a < 0 ? a + rank : a);
  }
  return [...out].sort((x, y) => x - y);
}

/** Row-major strides of a concrete shape. */
export function stridesOf(s: ConcreteShape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i]!;
  }
  return st;
}

/**
 * Strides to read a tensor of shape `inShape` broadcast to `outShape` (right-aligned): 0 along
 * broadcast dims. Length = outShape.length.
 */
export function broadcastStrides(inShape: ConcreteShape, outShape: ConcreteShape): number[] {
  const st = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, i) => {
    const j = i - off;
    if (j < 0) return 0;
    return inShape[j] === 1 && outShape[i] !== 1 ? 0 : st[j]!;
  });
}

export const sameConcrete = (a: ConcreteShape, b: ConcreteShape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Whether a tensor of shape `s` broadcasts into `space` without growing it. */
export function broadcastsInto(s: ConcreteShape, space: ConcreteShape): boolean {
  try {
    return sameConcrete(broadcastShapes(s, space) as number[], space);
  } catch {
    return false;
  }
}
