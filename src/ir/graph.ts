import { match } from 'ts-pattern';
import { modelError, shapeError } from './errors.js';
import { BINARY, type BinaryFn, type ReduceFn, type UnaryFn } from './ops.js';
import type { DType, Node, NodeId } from './node.js';
import { broadcastShapes, broadcastDims, checkDim, fmtShape, normalizeAxes, type Dim, type Shape } from './shape.js';

type Spec = Node extends infer N ? (N extends Node ? Omit<N, 'id'> : never) : never;

/** Constants larger than this are not hash-consed by content (keys would cost more than they save). */
const CONST_KEY_LIMIT = 256;

/**
 * A hash-consed DAG: `intern` returns the existing node for a structurally equal spec, so common
 * subexpressions are one node by construction. Commutative binary ops are keyed with sorted
 * operands, so `a + b` and `b + a` are the same node too.
 */
export class Graph {
  readonly nodes: Node[] = [];
  private readonly keys = new Map<string, NodeId>();
  private readonly inputNames = new Map<string, NodeId>();
  /** Nodes the user pinned as materialized: no strategy fuses them into a consumer. */
  readonly pins = new Set<NodeId>();

  pin(id: NodeId): NodeId {
    this.node(id);
    this.pins.add(id);
    return id;
  }

  node(id: NodeId): Node {
    const n = this.nodes[id];
    if (n === undefined) throw modelError(`node %${id} does not belong to this graph`);
    return n;
  }

  private intern(spec: Spec, key: string | undefined): NodeId {
    if (key !== undefined) {
      const hit = this.keys.get(key);
      if (hit !== undefined) return hit;
    }
    for (const i of spec.inputs) this.node(i);
    const id = this.nodes.length;
    this.nodes.push({ ...spec, id } as Node);
    if (key !== undefined) this.keys.set(key, id);
    return id;
  }

  input(name: string, shape: Shape, dtype: DType = 'f32'): NodeId {
    if (typeof name !== 'string' || name.length === 0) throw modelError('an input needs a non-empty name');
    if (this.inputNames.has(name)) throw modelError(`duplicate input name '${name}'`);
    if (!Array.isArray(shape)) throw shapeError(`input '${name}': shape must be an array, got ${String(shape)}`);
    shape.forEach((d) => checkDim(d, `input '${name}'`));
    const id = this.intern({ op: 'input', name, inputs: [], shape: [...shape], dtype }, undefined);
    this.inputNames.set(name, id);
    return id;
  }

  constant(data: number | readonly number[], shape: Shape = typeof data === 'number' ? [] : [data.length]): NodeId {
    const values = typeof data === 'number' ? [data] : [...data];
    shape.forEach((d) => {
      if (typeof d !== 'number') throw shapeError('constant tensors need literal dims');
      checkDim(d, 'constant');
    });
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (values.length !== n) throw shapeError(`constant of shape ${fmtShape(shape)} needs ${n} values, got ${values.length}`);
    // Object.is keeps -0 and NaN distinct from 0 and equal to themselves in keys.
    const key = values.length <= CONST_KEY_LIMIT ? `c|${shape.join(',')}|${values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}` : undefined;
    return this.intern({ op: 'const', data: values, inputs: [], shape: [...shape], dtype: 'f32' }, key);
  }

  unary(fn: UnaryFn, a: NodeId): NodeId {
    const x = this.node(a);
    return this.intern({ op: 'unary', fn, inputs: [a], shape: x.shape, dtype: x.dtype }, `u|${fn}|${a}`);
  }

  binary(fn: BinaryFn, a: NodeId, b: NodeId): NodeId {
    const [p, q] = BINARY[fn].commutative && b < a ? [b, a] : [a, b];
    const shape = broadcastShapes(this.node(p).shape, this.node(q).shape, fn);
    return this.intern({ op: 'binary', fn, inputs: [p, q], shape, dtype: 'f32' }, `b|${fn}|${p}|${q}`);
  }

  where(c: NodeId, a: NodeId, b: NodeId): NodeId {
    const s1 = broadcastShapes(this.node(c).shape, this.node(a).shape, 'where');
    const shape = broadcastShapes(s1, this.node(b).shape, 'where');
    return this.intern({ op: 'where', inputs: [c, a, b], shape, dtype: 'f32' }, `w|${c}|${a}|${b}`);
  }

  reduce(fn: ReduceFn, a: NodeId, axes: readonly number[] | 'all', keepDims = false): NodeId {
    const x = this.node(a);
    const ax = axes === 'all' ? x.shape.map((_, i) => i) : normalizeAxes(axes, x.shape.length, `${fn}`);
    if (ax.length === 0) return a;
    const shape = keepDims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.intern({ op: 'reduce', fn, axes: ax, keepDims, inputs: [a], shape, dtype: 'f32' }, `r|${fn}|${ax.join(',')}|${keepDims}|${a}`);
  }

  matmul(a: NodeId, b: NodeId): NodeId {
    const sa = this.node(a).shape;
    const sb = this.node(b).shape;
    if (sa.length < 2 || sa.length > 3 || sb.length < 2 || sb.length > 3) {
      throw shapeError(`matmul: operands must have rank 2 or 3, got ${fmtShape(sa)} and ${fmtShape(sb)}`);
    }
    const k1 = sa[sa.length - 1]!;
    const k2 = sb[sb.length - 2]!;
    if (k1 !== k2) throw shapeError(`matmul: inner dims differ: ${fmtShape(sa)} x ${fmtShape(sb)} (${k1} vs ${k2})`);
    const batch = broadcastShapes(sa.slice(0, -2), sb.slice(0, -2), 'matmul batch');
    const shape = [...batch, sa[sa.length - 2]!, sb[sb.length - 1]!];
    return this.intern({ op: 'matmul', inputs: [a, b], shape, dtype: 'f32' }, `m|${a}|${b}`);
  }

  transpose(a: NodeId, perm?: readonly number[]): NodeId {
    const s = this.node(a).shape;
    const p = perm ?? s.map((_, i) => s.length - 1 - i);
    const sorted = [...p].sort((x, y) => x - y);
    if (p.length !== s.length || sorted.some((v, i) => v !== i)) {
      throw shapeError(`transpose: [${p.join(', ')}] is not a permutation of the axes of ${fmtShape(s)}`);
    }
    if (p.every((v, i) => v === i)) return a;
    return this.intern({ op: 'transpose', perm: [...p], inputs: [a], shape: p.map((i) => s[i]!), dtype: 'f32' }, `t|${p.join(',')}|${a}`);
  }

  reshape(a: NodeId, shape: Shape): NodeId {
    const s = this.node(a).shape;
    shape.forEach((d) => checkDim(d, 'reshape'));
    if (sameShape(s, shape)) return a;
    // Sizes are compared symbolically: literal products must agree and the symbols must match as
    // multisets; anything else is checked again when dims are bound.
    const lit = (xs: Shape): number => xs.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
    const sym = (xs: Shape): string => xs.filter((d) => typeof d === 'string').sort().join(',');
    if (sym(s) === sym(shape) && lit(s) !== lit(shape)) {
      throw shapeError(`reshape: cannot reshape ${fmtShape(s)} to ${fmtShape(shape)} (different sizes)`);
    }
    return this.intern({ op: 'reshape', inputs: [a], shape: [...shape], dtype: 'f32' }, `s|${shape.join(',')}|${a}`);
  }

  broadcastTo(a: NodeId, shape: Shape): NodeId {
    const s = this.node(a).shape;
    shape.forEach((d) => checkDim(d, 'broadcastTo'));
    const out = broadcastShapes(s, shape, 'broadcastTo');
    if (!sameShape(out, shape)) throw shapeError(`broadcastTo: cannot broadcast ${fmtShape(s)} to ${fmtShape(shape)}`);
    if (sameShape(s, shape)) return a;
    return this.intern({ op: 'broadcast', inputs: [a], shape: [...shape], dtype: 'f32' }, `x|${shape.join(',')}|${a}`);
  }

  /** Number of consumers of each node (an output counts as one consumer). */
  consumers(): NodeId[][] {
    const out: NodeId[][] = this.nodes.map(() => []);
    for (const n of this.nodes) for (const i of new Set(n.inputs)) out[i]!.push(n.id);
    return out;
  }
}

export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** A one-line description of a node's operation, for dumps and plans. */
export function describeOp(n: Node): string {
  return match(n)
    .with({ op: 'input' }, (x) => `input '${x.name}'`)
    .with({ op: 'const' }, (x) => (x.data.length === 1 && x.shape.length === 0 ? `const ${x.data[0]}` : `const[${x.data.length}]`))
    .with({ op: 'unary' }, (x) => x.fn)
    .with({ op: 'binary' }, (x) => x.fn)
    .with({ op: 'where' }, () => 'where')
    .with({ op: 'reduce' }, (x) => `${x.fn}(axes=${x.axes.join(',')}${x.keepDims ? ', keep' : ''})`)
    .with({ op: 'matmul' }, () => 'matmul')
    .with({ op: 'transpose' }, (x) => `transpose(${x.perm.join(',')})`)
    .with({ op: 'reshape' }, () => 'reshape')
    .with({ op: 'broadcast' }, () => 'broadcast')
    .exhaustive();
}

export { broadcastDims };
