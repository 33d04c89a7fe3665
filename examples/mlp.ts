// A two-layer MLP block: x @ W1 + b1 -> GELU -> @ W2 + b2 -> ReLU.
import { f32, gelu, linear, model } from '../src/dsl/index.js';

export default model(
  'mlp',
  { x: f32(['B', 64]), w1: f32([64, 128]), b1: f32([128]), w2: f32([128, 32]), b2: f32([32]) },
  ({ x, w1, b1, w2, b2 }) => ({ y: linear(gelu(linear(x, w1, b1)), w2, b2).relu() }),
);

/** Sizes the demo and CLI use unless told otherwise. */
export const dims = { B: 64 };
