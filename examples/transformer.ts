// A transformer encoder block with single-head attention (post-norm, as in the original paper):
//   a = softmax(Q K^T / sqrt(d)) V Wo,  h = layerNorm(x + a),  y = layerNorm(h + MLP(h))
// with Q = x Wq, K = x Wk, V = x Wv and MLP(h) = gelu(h W1 + b1) W2 + b2.
import { f32, gelu, layerNorm, linear, model, softmax } from '../src/dsl/index.js';

const D = 64;
const F = 4 * D;

export default model(
  'transformer',
  {
    x: f32(['T', D]),
    wq: f32([D, D]), wk: f32([D, D]), wv: f32([D, D]), wo: f32([D, D]),
    g1: f32([D]), be1: f32([D]),
    w1: f32([D, F]), b1: f32([F]), w2: f32([F, D]), b2: f32([D]),
    g2: f32([D]), be2: f32([D]),
  },
  ({ x, wq, wk, wv, wo, g1, be1, w1, b1, w2, b2, g2, be2 }) => {
    const q = x.matmul(wq);
    const k = x.matmul(wk);
    const v = x.matmul(wv);
    const scores = q.matmul(k.transpose()).mul(1 / Math.sqrt(D));
    const attn = softmax(scores).matmul(v).matmul(wo);
    const h = layerNorm(x.add(attn), g1, be1);
    const ff = linear(gelu(linear(h, w1, b1)), w2, b2);
    return { y: layerNorm(h.add(ff), g2, be2) };
  },
);

export const dims = { T: 64 };
