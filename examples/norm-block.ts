// A transformer-style normalization block: residual add, layer norm, then a row softmax.
import { f32, layerNorm, model, softmax } from '../src/dsl/index.js';

export default model(
  'norm-block',
  { x: f32(['T', 96]), r: f32(['T', 96]), gamma: f32([96]), beta: f32([96]) },
  ({ x, r, gamma, beta }) => {
    const h = layerNorm(x.add(r), gamma, beta);
    return { h, p: softmax(h) };
  },
);

export const dims = { T: 128 };
