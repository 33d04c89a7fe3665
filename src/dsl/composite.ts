/**
 * Composite ops, built only from primitive nodes so the planner sees (and can fuse) every step;
 * there is deliberately no softmax or layerNorm node in the IR. Bodies work on untyped tensors
 * (the signatures carry the shape rules) and wrap the result in the caller's static shape.
 */
import type { CheckAxes, CheckMean, MatmulOut } from './axis-types.js';
import type { Arg, Broadcast, CheckBroadcastTo, Result, Shape } from './shape-types.js';
import { wrap, type AnyTensor, type ShapeOf, type Tensor } from './tensor.js';

const untyped = (x: AnyTensor): Tensor<Shape> => x as Tensor<Shape>;
const axisOf = (axis: unknown): number => (axis === undefined ? -1 : (axis as number));

/**
 * Numerically stable softmax along `axis` (default last): exp(x - max) / sum(exp(x - max)).
 * Subtracting the row max keeps exp from overflowing without changing the result.
 */
export function softmax<S extends Shape, const A extends number = -1>(x: Tensor<S>, axis?: Arg<A, CheckAxes<S, A, 'softmax'>>): Tensor<S> {
  const ax = axisOf(axis);
  const t = untyped(x);
  const e = t.sub(t.max(ax, { keepDims: true })).exp();
  return wrap(e.div(e.sum(ax, { keepDims: true })));
}

/** log(softmax(x)) as (x - max) - log(sum(exp(x - max))), which stays finite where softmax underflows. */
export function logSoftmax<S extends Shape, const A extends number = -1>(x: Tensor<S>, axis?: Arg<A, CheckAxes<S, A, 'logSoftmax'>>): Tensor<S> {
  const ax = axisOf(axis);
  const t = untyped(x);
  const shifted = t.sub(t.max(ax, { keepDims: true }));
  return wrap(shifted.sub(shifted.exp().sum(ax, { keepDims: true }).log()));
}

/** A scale/shift parameter: must broadcast to the normalized tensor without changing its shape. */
type Affine<G, S extends Shape> = Arg<G, CheckBroadcastTo<ShapeOf<G>, S>>;

/**
 * Layer normalization over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta, with the
 * biased variance (as PyTorch). The last dim must be a literal, since mean divides by it.
 */
export function layerNorm<S extends Shape, G extends AnyTensor | undefined = undefined, B extends AnyTensor | undefined = undefined>(
  x: Arg<Tensor<S>, CheckMean<S, -1>>,
  gamma?: Affine<G, S>,
  beta?: Affine<B, S>,
  eps = 1e-5,
): Tensor<S> {
  const t = untyped(x as AnyTensor);
  const centered = t.sub(t.mean(-1, { keepDims: true }));
  const variance = centered.mul(centered).mean(-1, { keepDims: true });
  let y = centered.mul(variance.add(eps).rsqrt());
  if (gamma !== undefined) y = y.mul(gamma as AnyTensor);
  if (beta !== undefined) y = y.add(beta as AnyTensor);
  return wrap(y);
}

/** RMS normalization over the last axis: x / sqrt(mean(x^2) + eps) * gamma. */
export function rmsNorm<S extends Shape, G extends AnyTensor | undefined = undefined>(
  x: Arg<Tensor<S>, CheckMean<S, -1>>,
  gamma?: Affine<G, S>,
  eps = 1e-6,
): Tensor<S> {
  const t = untyped(x as AnyTensor);
  let y = t.mul(t.mul(t).mean(-1, { keepDims: true }).add(eps).rsqrt());
  if (gamma !== undefined) y = y.mul(gamma as AnyTensor);
  return wrap(y);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). The cube is x*x*x
 * rather than pow, which is cheaper and exact for negative x.
 */
export function gelu<S extends Shape>(x: Tensor<S>): Tensor<S> {
  const t = untyped(x);
  const inner = t.add(t.mul(t).mul(t).mul(0.044715)).mul(SQRT_2_OVER_PI);
  return wrap(t.mul(0.5).mul(inner.tanh().add(1)));
}

type LinearMM<S extends Shape, W> = MatmulOut<S, ShapeOf<W>>;
type LinearOut<S extends Shape, W, B> = [B] extends [undefined] ? LinearMM<S, W> : Broadcast<Result<LinearMM<S, W>>, ShapeOf<B>>;

/** x @ w (+ b): a dense layer; `w` is [in, out], `b` broadcasts against the product. */
export function linear<S extends Shape, W extends AnyTensor, B extends AnyTensor | undefined = undefined>(
  x: Tensor<S>,
  w: Arg<W, LinearMM<S, W>>,
  b?: Arg<B, LinearOut<S, W, B>>,
): Tensor<Result<LinearOut<S, W, B>>> {
  const y = untyped(x).matmul(w as AnyTensor);
  return wrap(b === undefined ? y : y.add(b as AnyTensor));
}
