/**
 * Leaf reads of a fused kernel. A fused operator reads its inputs as strided views of buffers:
 * a reshape is its operand's buffer under another row-major shape, a transpose member permutes the
 * strides, and broadcasting into the kernel's iteration space zeroes strides. Everything a kernel
 * reads is therefore (buffer-owning node, logical shape, strides), and index math is one dot product.
 */
import { aliasBase } from '../ir/alias.js';
import { modelError } from '../ir/errors.js';
import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/node.js';
import { numel, stridesOf, type ConcreteShape } from '../ir/shape.js';

export interface LeafView {
  /** The node that owns the buffer: an input, a const, or an operator output (never a reshape). */
  readonly base: NodeId;
  readonly shape: ConcreteShape;
  /** Element strides over `shape`. */
  readonly strides: readonly number[];
  /** A one-element constant: printed as a WGSL literal instead of bound as a buffer. */
  readonly scalar?: number;
}

/** The view through which an operator reads one of its (non-member) inputs. */
export function inputView(g: Graph, shapes: readonly ConcreteShape[], id: NodeId): LeafView {
  const base = aliasBase(g, id);
  const shape = shapes[id]!;
  const b = g.node(base);
  if (b.op === 'const' && b.data.length === 1) return { base, shape, strides: shape.map(() => 0), scalar: b.data[0]! };
  if (numel(shapes[base]!) !== numel(shape)) throw modelError(`reshape %${id} of %${base}: element counts differ`);
  return { base, shape, strides: stridesOf(shape) };
}

export function transposeView(v: LeafView, perm: readonly number[]): LeafView {
  return { ...v, shape: perm.map((p) => v.shape[p]!), strides: perm.map((p) => v.strides[p]!) };
}

/**
 * Strides to read `v` at a multi-index of `space` (numpy broadcasting, right-aligned). Dims of
 * extent 1 in the space get stride 0 too: their coordinate is always 0, and a zero stride lets
 * index math skip them.
 */
export function stridesIn(v: LeafView, space: ConcreteShape): number[] {
  const off = space.length - v.shape.length;
  if (off < 0) throw modelError(`a view of shape [${v.shape.join(', ')}] does not broadcast into [${space.join(', ')}]`);
  return space.map((d, i) => {
    const j = i - off;
    if (j < 0 || d === 1) return 0;
    const e = v.shape[j]!;
    if (e === 1) return 0;
    if (e !== d) throw modelError(`a view of shape [${v.shape.join(', ')}] does not broadcast into [${space.join(', ')}]`);
    return v.strides[j]!;
  });
}

export const viewKey = (v: LeafView): string => `${v.base}|${v.shape.join(',')}|${v.strides.join(',')}`;

export interface Coalesced {
  /** Extents of the merged dims (size-1 dims dropped). */
  readonly dims: number[];
  /** Per merged dim: the group tag of the original dims it came from. */
  readonly groups: number[];
  /** Per stride list given: the strides over the merged dims. */
  readonly strides: number[][];
}

/**
 * Merges adjacent dims of the same group when every stride list allows it (numpy's dimension
 * coalescing): fewer div/mod per element, and contiguous reads stay recognizable as such. Groups
 * keep kept and reduced axes of a reduction apart.
 */
export function coalesce(space: ConcreteShape, strides: readonly (readonly number[])[], groupOf: (d: number) => number = () => 0): Coalesced {
  const dims: number[] = [];
  const groups: number[] = [];
  const out: number[][] = strides.map(() => []);
  space.forEach((e, d) => {
    if (e === 1) return;
    const g = groupOf(d);
    const last = dims.length - 1;
    const merge = last >= 0 && groups[last] === g && strides.every((st, k) => out[k]![last] === st[d]! * e);
    if (merge) {
      dims[last]! *= e;
      strides.forEach((st, k) => (out[k]![last] = st[d]!));
    } else {
      dims.push(e);
      groups.push(g);
      strides.forEach((st, k) => out[k]!.push(st[d]!));
    }
  });
  return { dims, groups, strides: out };
}

/**
 * WGSL f32 expression for a constant, or undefined for zeros and subnormals. NaN and infinities
 * cannot be WGSL constant expressions (the prelude builds them at run time). Zeros must not be
 * literals either: lavapipe's compiler folds `x / 0.0` to 0 (not +-inf) and drops the sign of
 * `x * -0.0`; subnormal literals may be flushed to zero the same way. Callers pass those as bits
 * in the uniform block, which no compiler can fold.
 */
export function f32Literal(v: number): string | undefined {
  if (Number.isNaN(v)) return 'fp_nan()';
  const f = Math.fround(v);
  if (f === Infinity) return 'fp_pos_inf()';
  if (f === -Infinity) return 'fp_neg_inf()';
  const a = Math.abs(f);
  if (a < 1.1754943508222875e-38) return undefined;
  // The shortest decimal of the f32 value (a double) round-trips to exactly that f32.
  let s = String(a);
  if (!/[.e]/.test(s)) s += '.0';
  return f < 0 ? `(-${s}f)` : `${s}f`;
}

export const f32Bits = (v: number): number => new Uint32Array(Float32Array.of(v).buffer)[0]!;
