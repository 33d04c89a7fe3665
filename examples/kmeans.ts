// One k-means step (SystemML's Kmeans inner loop) for K = 8 centroids C:
//   D = -2 X C^T + rowSums(C^2)^T          (squared distances up to the per-row constant |x|^2)
//   P = (D <= rowMins(D)), normalized to rows summing to 1 (ties share the point)
//   C' = (P^T X) / colSums(P)^T,  wcss = sum(rowMins(D) + rowSums(X^2))
import { f32, model } from '../src/dsl/index.js';

const K = 8;

export default model('kmeans', { X: f32(['N', 16]), C: f32([K, 16]) }, ({ X, C }) => {
  const D = X.matmul(C.transpose()).mul(-2).add(C.mul(C).sum(1));
  const minD = D.min(1, { keepDims: true });
  const hits = D.le(minD);
  const P = hits.div(hits.sum(1, { keepDims: true }));
  const counts = P.sum(0).reshape([K, 1]);
  return {
    P,
    centroids: P.transpose().matmul(X).div(counts.maximum(1e-9)),
    wcss: minD.sum().add(X.mul(X).sum()),
  };
});

export const dims = { N: 1024 };
