/**
 * Type-level tests, checked by `npm run typecheck` (never executed). Each `@ts-expect-error`
 * proves a compile-time rejection at the offending call; an unused one fails the build. The
 * `Is<...>` assertions prove the inferred result shapes of correct programs.
 * messages.test.ts checks the wording of the errors.
 */
import {
  add,
  broadcastTo,
  constant,
  f32,
  feeds,
  gelu,
  hostTensor,
  layerNorm,
  linear,
  logSoftmax,
  matmul,
  max,
  mean,
  model,
  reduceMax,
  rmsNorm,
  softmax,
  sub,
  sum,
  transpose,
  where,
  type InputShapes,
  type ModelFeeds,
  type Mutable,
  type OutputShapes,
  type Shape,
  type Tensor,
} from '../../src/dsl/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The tensor's static shape is S (readonly or not). */
type Is<T, S extends Shape> = T extends Tensor<infer X> ? Equal<Mutable<X>, Mutable<S>> : false;
const ok = <T extends true>(): T => true as T;

model('types', { x: f32(['B', 784]), w: f32([784, 256]), b: f32([256]), a: f32([3, 4]), r: f32([1, 'B']) }, ({ x, w, b, a, r }) => {
  // --- elementwise broadcasting ----------------------------------------------------------------
  const y = x.matmul(w).add(b).relu();
  ok<Is<typeof y, ['B', 256]>>();
  ok<Is<ReturnType<typeof a.add<typeof a>>, [3, 4]>>();
  const col = constant(a, [3, 1], [1, 2, 3]);
  ok<Is<typeof col, [3, 1]>>();
  ok<Is<ReturnType<typeof a.mul<typeof col>>, [3, 4]>>();
  const s1 = a.add(2);
  ok<Is<typeof s1, [3, 4]>>();
  const s2 = sub(1, a);
  ok<Is<typeof s2, [3, 4]>>();
  const rb = r.transpose().add(r); // ['B', 1] + [1, 'B']
  ok<Is<typeof rb, ['B', 'B']>>();
  const rank = a.add(constant(a, [2, 1, 1], [1, 2]));
  ok<Is<typeof rank, [2, 3, 4]>>();
  const cmp = where(a.gt(0), a, 0);
  ok<Is<typeof cmp, [3, 4]>>();

  // @ts-expect-error [3, 4] with [256]: dim 4 vs 256
  a.add(b);
  // @ts-expect-error free form, same rule
  add(a, b);
  // @ts-expect-error a symbol against a literal other than 1
  x.add(constant(x, [5, 784], 0));
  // @ts-expect-error two different symbols
  r.add(f32Like(['C']));
  // @ts-expect-error numbers alone have no graph
  add(1, 2);
  // @ts-expect-error where: the branches do not broadcast with each other
  where(a.gt(0), a, b);
  // @ts-expect-error where: the condition does not broadcast with the first branch
  where(b.gt(0), a, 1);

  // --- matmul -----------------------------------------------------------------------------------
  const bt = constant(a, [2, 3, 4], 0);
  const mm1 = bt.matmul(constant(a, [4, 5], 0));
  ok<Is<typeof mm1, [2, 3, 5]>>();
  const mm2 = matmul(bt, constant(a, [2, 4, 6], 0));
  ok<Is<typeof mm2, [2, 3, 6]>>();
  const mm3 = x.matmul(x.transpose());
  ok<Is<typeof mm3, ['B', 'B']>>();
  // @ts-expect-error inner dims 784 vs 256
  x.matmul(b.reshape([256, 1]));
  // @ts-expect-error inner dims differ
  matmul(a, a);
  // @ts-expect-error batch dims 2 vs 3
  bt.matmul(constant(a, [3, 4, 5], 0));
  // @ts-expect-error rank 1
  b.matmul(w);

  // --- reductions -------------------------------------------------------------------------------
  const r1 = a.sum(-1);
  ok<Is<typeof r1, [3]>>();
  const r2 = a.max(0, { keepDims: true });
  ok<Is<typeof r2, [1, 4]>>();
  const r3 = sum(a);
  ok<Is<typeof r3, []>>();
  const r4 = a.mean([0, -1], { keepDims: true });
  ok<Is<typeof r4, [1, 1]>>();
  const r5 = x.sum(0);
  ok<Is<typeof r5, [784]>>();
  const r6 = reduceMax(x, -1, { keepDims: true });
  ok<Is<typeof r6, ['B', 1]>>();
  const r7 = mean(x, 1);
  ok<Is<typeof r7, ['B']>>();
  const r8 = a.min('all', { keepDims: true });
  ok<Is<typeof r8, [1, 1]>>();
  // @ts-expect-error axis 2 of a rank-2 tensor
  a.sum(2);
  // @ts-expect-error axis -3 of a rank-2 tensor
  a.max([0, -3]);
  // @ts-expect-error free form
  sum(b, 1);
  // @ts-expect-error mean over a symbolic dim needs its size
  x.mean(0);
  // @ts-expect-error mean over all axes includes 'B'
  mean(x);

  // --- transpose, reshape, broadcastTo ----------------------------------------------------------
  const t1 = x.transpose();
  ok<Is<typeof t1, [784, 'B']>>();
  const t2 = transpose(bt, [0, 2, 1]);
  ok<Is<typeof t2, [2, 4, 3]>>();
  const rs = x.reshape(['B', 28, 28]);
  ok<Is<typeof rs, ['B', 28, 28]>>();
  const bc = broadcastTo(b, ['B', 256]);
  ok<Is<typeof bc, ['B', 256]>>();
  // @ts-expect-error axis 2 does not exist
  a.transpose([0, 2]);
  // @ts-expect-error not a permutation (repeated axis)
  bt.transpose([0, 1, 1]);
  // @ts-expect-error wrong length
  transpose(bt, [1, 0]);
  // @ts-expect-error 256 cannot broadcast to 128
  b.broadcastTo([2, 128]);
  // @ts-expect-error target rank too small
  a.broadcastTo([4]);

  // --- composites -------------------------------------------------------------------------------
  const p = softmax(y);
  ok<Is<typeof p, ['B', 256]>>();
  const p0 = logSoftmax(a, 0);
  ok<Is<typeof p0, [3, 4]>>();
  const ln = layerNorm(y, b, b);
  ok<Is<typeof ln, ['B', 256]>>();
  const rn = rmsNorm(a);
  ok<Is<typeof rn, [3, 4]>>();
  const gl = gelu(a);
  ok<Is<typeof gl, [3, 4]>>();
  const li = linear(x, w, b);
  ok<Is<typeof li, ['B', 256]>>();
  const li2 = linear(x, w);
  ok<Is<typeof li2, ['B', 256]>>();
  // @ts-expect-error softmax over a missing axis
  softmax(a, 2);
  // @ts-expect-error layerNorm's scale must fit the last axis
  layerNorm(y, a);
  // @ts-expect-error layerNorm over a symbolic last axis
  layerNorm(x.transpose());
  // @ts-expect-error linear: inner dims
  linear(a, w);
  // @ts-expect-error linear: bias does not broadcast
  linear(x, w, a);

  // --- the untyped path: wide shapes allow everything (the IR checks at run time) ----------------
  const wide: Tensor<Shape> = a;
  const anything = wide.add(b).sum(7).matmul(w).transpose([5, 5]);
  ok<Is<typeof anything, Shape>>();
  const tensors: Tensor[] = [a, x, y];
  void tensors;
  const m = max(0, wide);
  ok<Is<typeof m, Shape>>();
  return { y, p };
});

/** A tensor of any declared shape, for tests that need one outside a model's inputs. */
declare function f32Like<const S extends Shape>(shape: S): Tensor<S>;

// --- models, outputs, feeds ------------------------------------------------------------------------
const mlp = model('mlp', { x: f32(['B', 784]), w: f32([784, 256]), b: f32([256]) }, ({ x, w, b }) => ({
  y: x.matmul(w).add(b).relu(),
  s: x.sum(-1),
}));
ok<Equal<Mutable<OutputShapes<typeof mlp>['y']>, ['B', 256]>>();
ok<Equal<Mutable<OutputShapes<typeof mlp>['s']>, ['B']>>();
ok<Equal<Mutable<InputShapes<typeof mlp>['x']>, ['B', 784]>>();
ok<Equal<keyof OutputShapes<typeof mlp>, 'y' | 's'>>();

const data = new Float32Array(0);
const good: ModelFeeds<typeof mlp> = { x: hostTensor([64, 784], data), w: data, b: hostTensor([256], data) };
void good;
const bad: ModelFeeds<typeof mlp> = {
  // @ts-expect-error 785 is not 784
  x: hostTensor([64, 785], data),
  w: data,
  b: data,
};
void bad;
feeds(mlp, { x: hostTensor([64, 784], data), w: hostTensor([784, 256], data), b: data });
// @ts-expect-error wrong literal dim, reported by feeds
feeds(mlp, { x: hostTensor([64, 785], data), w: data, b: data });
// @ts-expect-error wrong rank
feeds(mlp, { x: data, w: data, b: hostTensor([1, 256], data) });
// @ts-expect-error missing input
feeds(mlp, { x: data, w: data });
// @ts-expect-error unknown input name
feeds(mlp, { x: data, w: data, b: data, z: data });

const pair = model('pair', { x: f32(['B', 4]), y: f32(['B', 2]) }, ({ x, y }) => ({ z: x.sum(-1).add(y.sum(-1)) }));
feeds(pair, { x: hostTensor([8, 4], data), y: hostTensor([8, 2], data) });
// @ts-expect-error 'B' bound to 8 by x and to 9 by y
feeds(pair, { x: hostTensor([8, 4], data), y: hostTensor([9, 2], data) });
