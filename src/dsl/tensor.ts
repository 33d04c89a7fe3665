/**
 * Tensor<S>: a node of a graph with its shape in the type. The class is a thin typed facade over
 * core.ts; its methods only compute result types, so the fluent and free forms build identical
 * nodes (the graph hash-conses them).
 *
 * Method signatures read the receiver's shape as `ShapeOf<this>`, not `S`: conditional types over
 * `S` would make the class invariant in `S`, and then a `Tensor<[3, 4]>` could not be used where a
 * `Tensor<Shape>` is expected. With `this`, `S` only occurs covariantly, which `out S` asserts.
 *
 * Elementwise max/min are `maximum`/`minimum` here (numpy's and torch's names), because `max`/`min`
 * are the reductions and `x.max(0)` could not mean both "reduce axis 0" and "clamp at 0". The free
 * functions `max(a, b)`/`min(a, b)` are elementwise (see ops.ts).
 */
import type { Graph } from '../ir/graph.js';
import type { DType, NodeId } from '../ir/node.js';
import type { AxesArg, CheckAxes, CheckMean, CheckPerm, MatmulOut, MeanAllCheck, ReduceOptions, ReduceOut, TransposeOut } from './axis-types.js';
import {
  binaryOp,
  broadcastToOp,
  matmulOp,
  meanOp,
  reduceOp,
  reshapeOp,
  transposeOp,
  unaryOp,
  type Built,
} from './core.js';
import type { Arg, Broadcast, CheckBroadcastTo, Result, Shape } from './shape-types.js';

/** Anything tensor-shaped: a Tensor of any shape. Used as a constraint instead of Tensor<Shape>. */
export interface AnyTensor {
  readonly graph: Graph;
  readonly node: NodeId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A tensor or a number (a scalar constant, shape []). */
export type Operand = AnyTensor | number;

/** The static shape of an operand; a number is a scalar. */
export type ShapeOf<T> = T extends number ? readonly [] : T extends { readonly shape: infer S extends Shape } ? S : Shape;

/** Broadcast result of two operands. */
export type BinOut<A, B> = Broadcast<ShapeOf<A>, ShapeOf<B>>;

export class Tensor<out S extends Shape = Shape> implements AnyTensor {
  readonly graph: Graph;
  readonly node: NodeId;
  /** The static shape, as inferred by the IR (equal to `S` for typed programs). */
  readonly shape: S;
  /**
   * Element type. Only f32 runs today; a field rather than a type parameter keeps signatures
   * short until f16 arrives (then it can become `Tensor<S, D>` with a default).
   */
  readonly dtype: DType;

  /** Wraps an existing node. Low-level: prefer model() inputs and ops. */
  constructor(graph: Graph, node: NodeId) {
    const n = graph.node(node);
    this.graph = graph;
    this.node = node;
    this.shape = n.shape as unknown as S;
    this.dtype = n.dtype;
  }

  // --- elementwise binary (numbers become scalar constants) -------------------------------------
  add<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('add', this, other));
  }
  sub<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('sub', this, other));
  }
  mul<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('mul', this, other));
  }
  div<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('div', this, other));
  }
  /** Elementwise power; `x.pow(2)` raises to a scalar exponent. */
  pow<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('pow', this, other));
  }
  /** Elementwise maximum (NaN-propagating). For the reduction, see `max`. */
  maximum<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('max', this, other));
  }
  /** Elementwise minimum (NaN-propagating). For the reduction, see `min`. */
  minimum<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('min', this, other));
  }

  // --- comparisons: 1 where true, 0 where false ------------------------------------------------
  lt<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('lt', this, other));
  }
  le<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('le', this, other));
  }
  gt<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('gt', this, other));
  }
  ge<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('ge', this, other));
  }
  eq<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('eq', this, other));
  }
  ne<T extends Operand>(other: Arg<T, Broadcast<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<Broadcast<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(binaryOp('ne', this, other));
  }

  // --- elementwise unary ------------------------------------------------------------------------
  neg(): Tensor<S> {
    return wrap(unaryOp('neg', this));
  }
  abs(): Tensor<S> {
    return wrap(unaryOp('abs', this));
  }
  exp(): Tensor<S> {
    return wrap(unaryOp('exp', this));
  }
  log(): Tensor<S> {
    return wrap(unaryOp('log', this));
  }
  sqrt(): Tensor<S> {
    return wrap(unaryOp('sqrt', this));
  }
  rsqrt(): Tensor<S> {
    return wrap(unaryOp('rsqrt', this));
  }
  tanh(): Tensor<S> {
    return wrap(unaryOp('tanh', this));
  }
  sigmoid(): Tensor<S> {
    return wrap(unaryOp('sigmoid', this));
  }
  relu(): Tensor<S> {
    return wrap(unaryOp('relu', this));
  }
  sin(): Tensor<S> {
    return wrap(unaryOp('sin', this));
  }
  cos(): Tensor<S> {
    return wrap(unaryOp('cos', this));
  }
  floor(): Tensor<S> {
    return wrap(unaryOp('floor', this));
  }

  // --- reductions: over `axes` (negative counts from the end), or all axes when left out ---------
  sum<const A extends AxesArg = undefined, K extends boolean = false>(
    axes?: Arg<A, CheckAxes<ShapeOf<this>, A, 'sum'>>,
    opts?: ReduceOptions<K>,
  ): Tensor<ReduceOut<ShapeOf<this>, A, K>> {
    return wrap(reduceOp('sum', this, axes, opts));
  }
  /**
   * Mean needs literal dims on the reduced axes (see meanOp). With no axes argument there is
   * nothing to flag, so that check sits on `this`.
   */
  mean<S2 extends Shape, const A extends AxesArg = undefined, K extends boolean = false>(
    this: Arg<Tensor<S2>, MeanAllCheck<S2, A>>,
    axes?: Arg<A, CheckMean<S2, A>>,
    opts?: ReduceOptions<K>,
  ): Tensor<ReduceOut<S2, A, K>> {
    return wrap(meanOp(this, axes, opts));
  }
  max<const A extends AxesArg = undefined, K extends boolean = false>(
    axes?: Arg<A, CheckAxes<ShapeOf<this>, A, 'max'>>,
    opts?: ReduceOptions<K>,
  ): Tensor<ReduceOut<ShapeOf<this>, A, K>> {
    return wrap(reduceOp('max', this, axes, opts));
  }
  min<const A extends AxesArg = undefined, K extends boolean = false>(
    axes?: Arg<A, CheckAxes<ShapeOf<this>, A, 'min'>>,
    opts?: ReduceOptions<K>,
  ): Tensor<ReduceOut<ShapeOf<this>, A, K>> {
    return wrap(reduceOp('min', this, axes, opts));
  }

  // --- structure --------------------------------------------------------------------------------
  /** [M,K]x[K,N] and batched [Bt,M,K]x[K,N] / [Bt,M,K]x[Bt,K,N]; inner dims must be identical. */
  matmul<T extends AnyTensor>(other: Arg<T, MatmulOut<ShapeOf<this>, ShapeOf<T>>>): Tensor<Result<MatmulOut<ShapeOf<this>, ShapeOf<T>>>> {
    return wrap(matmulOp(this, other));
  }
  /** Permutes axes; reverses them when `perm` is left out. */
  transpose<const P extends readonly number[] | undefined = undefined>(perm?: Arg<P, CheckPerm<ShapeOf<this>, P>>): Tensor<TransposeOut<ShapeOf<this>, P>> {
    return wrap(transposeOp(this, perm));
  }
  /**
   * Element counts are not compared at the type level (type-level products are slow); the IR
   * compares them when it can, and again when symbolic dims are bound.
   */
  reshape<const T extends Shape>(shape: T): Tensor<T> {
    return wrap(reshapeOp(this, shape));
  }
  broadcastTo<const T extends Shape>(shape: Arg<T, CheckBroadcastTo<ShapeOf<this>, T>>): Tensor<T> {
    return wrap(broadcastToOp(this, shape));
  }
}

/** A built node as a Tensor whose static shape the caller vouches for. */
export function wrap<R extends Shape>(b: Built): Tensor<R> {
  return new Tensor<R>(b.graph, b.node);
}

/** An existing node of a graph as an untyped tensor (for code that builds graphs dynamically). */
export function tensorOf(graph: Graph, node: NodeId): Tensor<Shape> {
  return new Tensor<Shape>(graph, node);
}

export const isTensor = (x: unknown): x is Tensor<Shape> => x instanceof Tensor;
