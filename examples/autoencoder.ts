// An autoencoder forward pass: 64 -> 32 -> 8 -> 32 -> 64 with tanh hidden layers and a sigmoid
// reconstruction, plus the mean squared reconstruction error per example.
import { f32, linear, model } from '../src/dsl/index.js';

export default model(
  'autoencoder',
  {
    x: f32(['B', 64]),
    we1: f32([64, 32]), be1: f32([32]), we2: f32([32, 8]), be2: f32([8]),
    wd1: f32([8, 32]), bd1: f32([32]), wd2: f32([32, 64]), bd2: f32([64]),
  },
  ({ x, we1, be1, we2, be2, wd1, bd1, wd2, bd2 }) => {
    const code = linear(linear(x, we1, be1).tanh(), we2, be2).tanh();
    const recon = linear(linear(code, wd1, bd1).tanh(), wd2, bd2).sigmoid();
    const diff = recon.sub(x);
    return { code, recon, mse: diff.mul(diff).mean(-1) };
  },
);

export const dims = { B: 128 };
