// One gradient step of multinomial logistic regression (SystemML's MultiLogReg), one-hot labels Y:
//   P = softmax(X W + b),  loss = -sum(Y * log P) + lambda/2 * sum(W^2)
//   gradW = X^T (P - Y) + lambda * W,  gradB = colSums(P - Y),  W' = W - lr * gradW
import { f32, logSoftmax, model, softmax } from '../src/dsl/index.js';

const lambda = 0.01;
const lr = 0.001;

export default model(
  'mlogreg',
  { X: f32(['N', 32]), Y: f32(['N', 10]), W: f32([32, 10]), b: f32([10]) },
  ({ X, Y, W, b }) => {
    const logits = X.matmul(W).add(b);
    const err = softmax(logits).sub(Y);
    const gradW = X.transpose().matmul(err).add(W.mul(lambda));
    return {
      loss: Y.mul(logSoftmax(logits)).sum().neg().add(W.mul(W).sum().mul(lambda / 2)),
      gradW,
      gradB: err.sum(0),
      wNext: W.sub(gradW.mul(lr)),
    };
  },
);

export const dims = { N: 1000 };
