/**
 * The untyped half of the DSL: turns operands into IR nodes. Every typed entry point (fluent
 * methods, free functions, composites) ends here, so the runtime checks are in one place and the
 * untyped path (wide `Shape`, plain JavaScript callers) is exactly as safe as the typed one: the
 * IR Graph rejects bad shapes with FuseplanError('shape'), and this module rejects operands that
 * are not tensors of the same graph.
 */
import { modelError, shapeError } from '../ir/errors.js';
import { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/node.js';
import type { BinaryFn, ReduceFn, UnaryFn } from '../ir/ops.js';
import { fmtShape, normalizeAxes, type Shape } from '../ir/shape.js';

/** A node of a graph; what every op returns before it is wrapped as a Tensor. */
export interface Built {
  readonly graph: Graph;
  readonly node: NodeId;
}

const isBuilt = (x: unknown): x is Built =>
  typeof x === 'object' && x !== null && (x as Built).graph instanceof Graph && Number.isInteger((x as Built).node);

const describe = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x);

/**
 * The graph shared by the tensor operands. Numbers are scalars and need a tensor beside them to
 * know their graph. Tensors of different graphs cannot mix: a NodeId means nothing in another graph.
 */
export function graphOf(what: string, operands: readonly unknown[]): Graph {
  let g: Graph | undefined;
  for (const x of operands) {
    if (typeof x === 'number') continue;
    if (!isBuilt(x)) throw modelError(`${what}: expected a tensor or a number, got ${describe(x)}`);
    if (g !== undefined && x.graph !== g) {
      throw modelError(`${what}: operands belong to different models (each model() call builds its own graph)`);
    }
    g = x.graph;
  }
  if (g === undefined) throw modelError(`${what}: needs at least one tensor operand (got only numbers)`);
  return g;
}

/** A tensor operand's node, or a scalar constant node for a number (hash-consed by value). */
function nodeOf(g: Graph, x: unknown): NodeId {
  if (typeof x === 'number') return g.constant(x);
  return (x as Built).node;
}

export function unaryOp(fn: UnaryFn, a: unknown): Built {
  const graph = graphOf(fn, [a]);
  return { graph, node: graph.unary(fn, nodeOf(graph, a)) };
}

export function binaryOp(fn: BinaryFn, a: unknown, b: unknown): Built {
  const graph = graphOf(fn, [a, b]);
  return { graph, node: graph.binary(fn, nodeOf(graph, a), nodeOf(graph, b)) };
}

export function whereOp(c: unknown, a: unknown, b: unknown): Built {
  const graph = graphOf('where', [c, a, b]);
  return { graph, node: graph.where(nodeOf(graph, c), nodeOf(graph, a), nodeOf(graph, b)) };
}

/** Axes as the IR wants them: a list, or 'all' when left out. */
function axesOf(what: string, axes: unknown): readonly number[] | 'all' {
  if (axes === undefined || axes === 'all') return 'all';
  if (typeof axes === 'number') return [axes];
  if (Array.isArray(axes) && axes.every((a) => typeof a === 'number')) return axes as number[];
  throw shapeError(`${what}: axes must be a number, an array of numbers or 'all', got ${describe(axes)}`);
}

const keepDimsOf = (opts: unknown): boolean =>
  typeof opts === 'object' && opts !== null && (opts as { keepDims?: unknown }).keepDims === true;

export function reduceOp(fn: ReduceFn, a: unknown, axes: unknown, opts: unknown): Built {
  const graph = graphOf(fn, [a]);
  if (typeof a === 'number') throw shapeError(`${fn}: cannot reduce a number`);
  return { graph, node: graph.reduce(fn, nodeOf(graph, a), axesOf(fn, axes), keepDimsOf(opts)) };
}

/**
 * mean = sum * (1/n). The IR has no "size" op, so n must be known when the graph is built: every
 * reduced dim has to be a literal. (Binding n later would need a uniform the planner knows about;
 * not worth it while the typed DSL can reject symbolic reduced axes statically.)
 */
export function meanOp(a: unknown, axes: unknown, opts: unknown): Built {
  const graph = graphOf('mean', [a]);
  if (typeof a === 'number') throw shapeError('mean: cannot reduce a number');
  const node = nodeOf(graph, a);
  const shape = graph.node(node).shape;
  const ax = axesOf('mean', axes);
  const positions = ax === 'all' ? shape.map((_, i) => i) : normalizeAxes(ax, shape.length, 'mean');
  let n = 1;
  for (const i of positions) {
    const d = shape[i]!;
    if (typeof d !== 'number') {
      throw shapeError(`mean: axis ${i} of ${fmtShape(shape)} is the symbolic dim '${d}'; mean needs literal dims on reduced axes (use sum and scale by the size)`);
    }
    n *= d;
  }
  const sum = graph.reduce('sum', node, ax, keepDimsOf(opts));
  if (n === 1) return { graph, node: sum };
  return { graph, node: graph.binary('mul', sum, graph.constant(1 / n)) };
}

export function matmulOp(a: unknown, b: unknown): Built {
  const graph = graphOf('matmul', [a, b]);
  if (typeof a === 'number' || typeof b === 'number') throw shapeError('matmul: operands must be tensors, not numbers');
  return { graph, node: graph.matmul(nodeOf(graph, a), nodeOf(graph, b)) };
}

export function transposeOp(a: unknown, perm: unknown): Built {
  const graph = graphOf('transpose', [a]);
  if (typeof a === 'number') throw shapeError('transpose: cannot transpose a number');
  if (perm !== undefined && !(Array.isArray(perm) && perm.every((p) => typeof p === 'number'))) {
    throw shapeError(`transpose: perm must be an array of axes, got ${describe(perm)}`);
  }
  return { graph, node: graph.transpose(nodeOf(graph, a), perm as readonly number[] | undefined) };
}

function shapeArg(what: string, shape: unknown): Shape {
  if (!Array.isArray(shape)) throw shapeError(`${what}: shape must be an array, got ${describe(shape)}`);
  return shape as Shape;
}

export function reshapeOp(a: unknown, shape: unknown): Built {
  const graph = graphOf('reshape', [a]);
  return { graph, node: graph.reshape(nodeOf(graph, a), shapeArg('reshape', shape)) };
}

export function broadcastToOp(a: unknown, shape: unknown): Built {
  const graph = graphOf('broadcastTo', [a]);
  return { graph, node: graph.broadcastTo(nodeOf(graph, a), shapeArg('broadcastTo', shape)) };
}

/** A dense constant in `graph`; row-major data, literal dims only. */
export function constantOp(graph: Graph, shape: unknown, data: unknown): Built {
  const s = shapeArg('constant', shape);
  if (typeof data === 'number') {
    // A number fills the shape; symbolic or invalid dims are left for graph.constant to reject.
    const n = s.every((d) => Number.isInteger(d) && (d as number) >= 1) ? (s as number[]).reduce((p, d) => p * d, 1) : 1;
    return { graph, node: graph.constant(s.length === 0 ? data : new Array<number>(n).fill(data), s) };
  }
  if (!(Array.isArray(data) || ArrayBuffer.isView(data))) throw shapeError(`constant: data must be numbers, got ${describe(data)}`);
  return { graph, node: graph.constant(Array.from(data as ArrayLike<number>), s) };
}
