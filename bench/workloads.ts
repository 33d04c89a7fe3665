/**
 * The benchmark suite: one model per fusion template (and a few that mix them), each with the
 * TensorFlow.js program a user would write for the same computation. Sizes are chosen so one run
 * (upload, kernels, read back) takes milliseconds to tens of milliseconds on lavapipe.
 *
 * Each tfjs program receives the inputs as tensors of the model's shapes and returns its outputs
 * under the model's output names; outputs are compared element by element (flattened).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { f32, gelu, layerNorm, linear, max, model, rmsNorm, softmax, sub, type ModelLike } from '../src/index.js';
import type { Dims } from '../src/index.js';
import type { Tf } from './tfjs.js';

export type TfProgram = (tf: Tf, inputs: Readonly<Record<string, TF.Tensor>>) => Record<string, TF.Tensor>;

export interface Workload {
  readonly name: string;
  /** The fusion template(s) the workload exercises, for the report. */
  readonly templates: string;
  readonly model: ModelLike;
  readonly dims: Dims;
  /** Smaller dims for --quick. */
  readonly quickDims: Dims;
  readonly tfjs: TfProgram;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU (tanh form) in tfjs ops, as a user would write it (tfjs-core has no gelu op). */
function tfGelu(tf: Tf, x: TF.Tensor): TF.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

const need = (t: Readonly<Record<string, TF.Tensor>>, name: string): TF.Tensor => {
  const v = t[name];
  if (v === undefined) throw new Error(`tfjs program: missing input '${name}'`);
  return v;
};

// 1. elementwise chain (cell): a few unary and binary ops over three same-shape inputs.
const ewChain: Workload = {
  name: 'ew-chain',
  templates: 'cell',
  model: model('ew-chain', { a: f32(['N']), b: f32(['N']), c: f32(['N']) }, ({ a, b, c }) => ({
    y: a.mul(b).add(c).tanh().mul(c.sigmoid()).add(a.mul(0.5)),
  })),
  dims: { N: 1 << 20 },
  quickDims: { N: 1 << 18 },
  tfjs: (tf, t) => {
    const [a, b, c] = [need(t, 'a'), need(t, 'b'), need(t, 'c')];
    return { y: tf.add(tf.mul(tf.tanh(tf.add(tf.mul(a, b), c)), tf.sigmoid(c)), tf.mul(a, 0.5)) };
  },
};

// 2. bias + GELU (cell with a broadcast operand).
const biasGelu: Workload = {
  name: 'bias-gelu',
  templates: 'cell',
  model: model('bias-gelu', { x: f32(['R', 512]), b: f32([512]) }, ({ x, b }) => ({ y: gelu(x.add(b)) })),
  dims: { R: 2048 },
  quickDims: { R: 512 },
  tfjs: (tf, t) => ({ y: tfGelu(tf, tf.add(need(t, 'x'), need(t, 'b'))) }),
};

// 3. row softmax (row).
const rowSoftmax: Workload = {
  name: 'softmax',
  templates: 'row',
  model: model('softmax', { x: f32(['R', 512]) }, ({ x }) => ({ y: softmax(x) })),
  dims: { R: 2048 },
  quickDims: { R: 512 },
  tfjs: (tf, t) => ({ y: tf.softmax(need(t, 'x')) }),
};

// 4. layer norm with scale and shift (row).
const layerNormW: Workload = {
  name: 'layernorm',
  templates: 'row',
  model: model('layernorm', { x: f32(['R', 512]), gamma: f32([512]), beta: f32([512]) }, ({ x, gamma, beta }) => ({
    y: layerNorm(x, gamma, beta),
  })),
  dims: { R: 2048 },
  quickDims: { R: 512 },
  tfjs: (tf, t) => {
    const x = need(t, 'x');
    const { mean, variance } = tf.moments(x, -1, true);
    return { y: tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), need(t, 'gamma')), need(t, 'beta')) };
  },
};

// 5. three full sums over the same operand space (magg).
const multiAgg: Workload = {
  name: 'magg-3sums',
  templates: 'magg',
  model: model('magg-3sums', { x: f32(['N']), y: f32(['N']) }, ({ x, y }) => ({
    sxy: x.mul(y).sum(),
    sxx: x.mul(x).sum(),
    syy: y.mul(y).sum(),
  })),
  dims: { N: 1 << 20 },
  quickDims: { N: 1 << 18 },
  tfjs: (tf, t) => {
    const [x, y] = [need(t, 'x'), need(t, 'y')];
    return { sxy: tf.sum(tf.mul(x, y)), sxx: tf.sum(tf.mul(x, x)), syy: tf.sum(tf.mul(y, y)) };
  },
};

// 6. MLP block (matmul with epilogues): x @ W1 + b1 -> GELU -> @ W2 + b2 -> ReLU.
const mlp: Workload = {
  name: 'mlp',
  templates: 'matmul',
  model: model('mlp', { x: f32(['B', 256]), w1: f32([256, 512]), b1: f32([512]), w2: f32([512, 256]), b2: f32([256]) }, ({ x, w1, b1, w2, b2 }) => ({
    y: linear(gelu(linear(x, w1, b1)), w2, b2).relu(),
  })),
  dims: { B: 256 },
  quickDims: { B: 64 },
  tfjs: (tf, t) => {
    const h = tfGelu(tf, tf.add(tf.matMul(need(t, 'x') as TF.Tensor2D, need(t, 'w1') as TF.Tensor2D), need(t, 'b1')));
    return { y: tf.relu(tf.add(tf.matMul(h as TF.Tensor2D, need(t, 'w2') as TF.Tensor2D), need(t, 'b2'))) };
  },
};

// 7. L2SVM loss, SystemML's classic cell workload: sum(max(0, 1 - y * (X @ w))^2).
const l2svm: Workload = {
  name: 'l2svm',
  templates: 'matmul + cell',
  model: model('l2svm', { X: f32(['N', 64]), y: f32(['N', 1]), w: f32([64, 1]) }, ({ X, y, w }) => ({
    loss: max(0, sub(1, y.mul(X.matmul(w)))).pow(2).sum(),
  })),
  dims: { N: 1 << 15 },
  quickDims: { N: 1 << 12 },
  tfjs: (tf, t) => {
    const margin = tf.sub(1, tf.mul(need(t, 'y'), tf.matMul(need(t, 'X') as TF.Tensor2D, need(t, 'w') as TF.Tensor2D)));
    return { loss: tf.sum(tf.square(tf.maximum(margin, 0))) };
  },
};

// 8. single-head attention: softmax(Q K^T / sqrt(d)) V.
const attention: Workload = {
  name: 'attention',
  templates: 'matmul + row',
  model: model('attention', { q: f32(['T', 64]), k: f32(['T', 64]), v: f32(['T', 64]) }, ({ q, k, v }) => ({
    o: softmax(q.matmul(k.transpose()).mul(1 / Math.sqrt(64))).matmul(v),
  })),
  dims: { T: 512 },
  quickDims: { T: 128 },
  tfjs: (tf, t) => {
    const scores = tf.mul(tf.matMul(need(t, 'q') as TF.Tensor2D, need(t, 'k') as TF.Tensor2D, false, true), 1 / Math.sqrt(64));
    return { o: tf.matMul(tf.softmax(scores) as TF.Tensor2D, need(t, 'v') as TF.Tensor2D) };
  },
};

// 9. residual add + RMS norm (cell feeding row).
const residualRms: Workload = {
  name: 'residual-rmsnorm',
  templates: 'row (+ cell)',
  model: model('residual-rmsnorm', { x: f32(['R', 512]), r: f32(['R', 512]), gamma: f32([512]) }, ({ x, r, gamma }) => ({
    y: rmsNorm(x.add(r), gamma),
  })),
  dims: { R: 2048 },
  quickDims: { R: 512 },
  tfjs: (tf, t) => {
    const h = tf.add(need(t, 'x'), need(t, 'r'));
    const ms = tf.mean(tf.square(h), -1, true);
    return { y: tf.mul(tf.mul(h, tf.rsqrt(tf.add(ms, 1e-6))), need(t, 'gamma')) };
  },
};

export const WORKLOADS: readonly Workload[] = [ewChain, biasGelu, rowSoftmax, layerNormW, multiAgg, mlp, l2svm, attention, residualRms];
