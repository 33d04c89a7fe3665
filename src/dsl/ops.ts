/**
 * Free-function forms of the ops. They build exactly the nodes the fluent methods build, and
 * accept plain numbers as scalar operands on either side (`sub(1, x)`), which the fluent form can
 * only take on the right.
 *
 * Naming: free `max`/`min` are elementwise (like Math.max), the reductions are `reduceMax`/
 * `reduceMin`. On tensors `x.max(axes)` is the reduction and `x.maximum(y)` elementwise; see
 * tensor.ts for why the fluent names differ.
 */
import { Graph } from '../ir/graph.js';
import type { BinaryFn, UnaryFn } from '../ir/ops.js';
import type { AxesArg, CheckAxes, CheckMean, CheckPerm, MatmulOut, MeanAllCheck, ReduceOptions, ReduceOut, TransposeOut } from './axis-types.js';
import {
  binaryOp,
  broadcastToOp,
  constantOp,
  graphOf,
  matmulOp,
  meanOp,
  reduceOp,
  reshapeOp,
  transposeOp,
  unaryOp,
  whereOp,
} from './core.js';
import type { Arg, Broadcast, CheckBroadcastTo, Result, Shape, ShapeError } from './shape-types.js';
import { wrap, type AnyTensor, type Operand, type ShapeOf, type Tensor } from './tensor.js';

/** Broadcast result of two operands, rejecting number-with-number. */
export type BinaryResult<A, B> = [A] extends [number] ? ([B] extends [number] ? ShapeError<'at least one operand must be a tensor (numbers alone have no graph)'> : BcastOf<A, B>) : BcastOf<A, B>;
type BcastOf<A, B> = Broadcast<ShapeOf<A>, ShapeOf<B>>;

export type BinaryFnType = <A extends Operand, B extends Operand>(a: A, b: Arg<B, BinaryResult<A, B>>) => Tensor<Result<BinaryResult<A, B>>>;
export type UnaryFnType = <S extends Shape>(x: Tensor<S>) => Tensor<S>;

const binary =
  (fn: BinaryFn): BinaryFnType =>
  (a, b) =>
    wrap(binaryOp(fn, a, b));
const unary =
  (fn: UnaryFn): UnaryFnType =>
  (x) =>
    wrap(unaryOp(fn, x));

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
/** `pow(x, 3)`: a scalar exponent; `pow(x, y)`: elementwise. */
export const pow = binary('pow');
/** Elementwise maximum (NaN-propagating); `max(0, x)` is a relu. Reduction: `reduceMax`. */
export const max = binary('max');
/** Elementwise minimum (NaN-propagating). Reduction: `reduceMin`. */
export const min = binary('min');
/** Same as `max`, under the fluent method's name. */
export const maximum = max;
/** Same as `min`, under the fluent method's name. */
export const minimum = min;

/** Comparisons give 1 where true and 0 where false (there is no boolean dtype). */
export const lt = binary('lt');
export const le = binary('le');
export const gt = binary('gt');
export const ge = binary('ge');
export const eq = binary('eq');
export const ne = binary('ne');

export const neg = unary('neg');
export const abs = unary('abs');
export const exp = unary('exp');
export const log = unary('log');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const tanh = unary('tanh');
export const sigmoid = unary('sigmoid');
export const relu = unary('relu');
export const sin = unary('sin');
export const cos = unary('cos');
export const floor = unary('floor');

type WhereABC<C, A, B> = [C | A | B] extends [number] ? ShapeError<'at least one operand must be a tensor (numbers alone have no graph)'> : Broadcast<Result<BcastOf<C, A>>, ShapeOf<B>>;

/** `a` where `cond` is non-zero, else `b`; all three broadcast together. */
export function where<C extends Operand, A extends Operand, B extends Operand>(
  cond: C,
  a: Arg<A, BcastOf<C, A>>,
  b: Arg<B, WhereABC<C, A, B>>,
): Tensor<Result<WhereABC<C, A, B>>> {
  return wrap(whereOp(cond, a, b));
}

// --- reductions ----------------------------------------------------------------------------------

/** Sum over `axes` (negative count from the end), or over every axis when left out. */
export function sum<S extends Shape, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S>,
  axes?: Arg<A, CheckAxes<S, A, 'sum'>>,
  opts?: ReduceOptions<K>,
): Tensor<ReduceOut<S, A, K>> {
  return wrap(reduceOp('sum', x, axes, opts));
}

/** sum * (1/n): every reduced dim must be a literal, since n is a constant of the graph. */
export function mean<S extends Shape, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Arg<Tensor<S>, MeanAllCheck<S, A>>,
  axes?: Arg<A, CheckMean<S, A>>,
  opts?: ReduceOptions<K>,
): Tensor<ReduceOut<S, A, K>> {
  return wrap(meanOp(x, axes, opts));
}

export function reduceMax<S extends Shape, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S>,
  axes?: Arg<A, CheckAxes<S, A, 'max'>>,
  opts?: ReduceOptions<K>,
): Tensor<ReduceOut<S, A, K>> {
  return wrap(reduceOp('max', x, axes, opts));
}

export function reduceMin<S extends Shape, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S>,
  axes?: Arg<A, CheckAxes<S, A, 'min'>>,
  opts?: ReduceOptions<K>,
): Tensor<ReduceOut<S, A, K>> {
  return wrap(reduceOp('min', x, axes, opts));
}

// --- structure -----------------------------------------------------------------------------------

export function matmul<S extends Shape, T extends AnyTensor>(
  a: Tensor<S>,
  b: Arg<T, MatmulOut<S, ShapeOf<T>>>,
): Tensor<Result<MatmulOut<S, ShapeOf<T>>>> {
  return wrap(matmulOp(a, b));
}

export function transpose<S extends Shape, const P extends readonly number[] | undefined = undefined>(
  x: Tensor<S>,
  perm?: Arg<P, CheckPerm<S, P>>,
): Tensor<TransposeOut<S, P>> {
  return wrap(transposeOp(x, perm));
}

export function reshape<const T extends Shape>(x: AnyTensor, shape: T): Tensor<T> {
  return wrap(reshapeOp(x, shape));
}

export function broadcastTo<S extends Shape, const T extends Shape>(x: Tensor<S>, shape: Arg<T, CheckBroadcastTo<S, T>>): Tensor<T> {
  return wrap(broadcastToOp(x, shape));
}

// --- constants -----------------------------------------------------------------------------------

/**
 * A dense constant in the graph of `like` (a tensor of the model being built): row-major `data`,
 * or one number to fill the shape. Dims must be literals, since the values are fixed now.
 * Inside model() the builder's second argument offers the same without a reference tensor.
 */
export function constant<const T extends readonly number[]>(like: AnyTensor | Graph, shape: T, data: number | ArrayLike<number>): Tensor<T> {
  const graph = like instanceof Graph ? like : graphOf('constant', [like]);
  return wrap(constantOp(graph, shape, data));
}

/** A scalar constant (shape []) in the graph of `like`; numbers in ops do this implicitly. */
export function scalar(like: AnyTensor | Graph, value: number): Tensor<readonly []> {
  return constant(like, [], value);
}

/**
 * Pins a tensor as materialized: every strategy writes it to memory once and no consumer fuses
 * (recomputes) it. The escape hatch for when fusion loses on a given device. Returns the tensor.
 */
export function materialize<T extends AnyTensor>(x: T): T {
  x.graph.pin(x.node);
  return x;
}
