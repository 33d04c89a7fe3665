// An MLP classifier: two dense layers with GELU, class probabilities by softmax, and the
// per-example cross-entropy against one-hot labels (computed from logSoftmax, which stays finite).
import { f32, gelu, linear, logSoftmax, model, softmax } from '../src/dsl/index.js';

export default model(
  'mlp-classifier',
  { x: f32(['B', 64]), labels: f32(['B', 10]), w1: f32([64, 128]), b1: f32([128]), w2: f32([128, 10]), b2: f32([10]) },
  ({ x, labels, w1, b1, w2, b2 }) => {
    const logits = linear(gelu(linear(x, w1, b1)), w2, b2);
    return {
      probs: softmax(logits),
      nll: labels.mul(logSoftmax(logits)).sum(-1).neg(),
    };
  },
);

export const dims = { B: 256 };
