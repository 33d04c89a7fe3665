// One gradient step of SystemML's L2SVM (squared hinge loss with L2 regularization):
//   out = max(0, 1 - y * (X w)),  loss = sum(out^2) + lambda/2 * sum(w^2)
//   grad = lambda * w - 2 * X^T (y * out),  w' = w - lr * grad
import { f32, max, model, sub } from '../src/dsl/index.js';

const lambda = 0.01;
const lr = 0.001;

export default model('l2svm-step', { X: f32(['N', 32]), y: f32(['N', 1]), w: f32([32, 1]) }, ({ X, y, w }) => {
  const out = max(0, sub(1, y.mul(X.matmul(w))));
  const grad = w.mul(lambda).sub(X.transpose().matmul(y.mul(out)).mul(2));
  return {
    loss: out.pow(2).sum().add(w.mul(w).sum().mul(lambda / 2)),
    grad,
    wNext: w.sub(grad.mul(lr)),
  };
});

export const dims = { N: 1000 };
