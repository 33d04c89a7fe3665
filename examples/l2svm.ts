// SystemML's L2SVM loss: sum(max(0, 1 - y * (X @ w))^2), the classic cell-template workload.
import { f32, max, model, sub } from '../src/dsl/index.js';

export default model('l2svm', { X: f32(['N', 32]), y: f32(['N', 1]), w: f32([32, 1]) }, ({ X, y, w }) => ({
  loss: max(0, sub(1, y.mul(X.matmul(w)))).pow(2).sum(),
}));

export const dims = { N: 1000 };
