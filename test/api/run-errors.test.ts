import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, model } from '../../src/dsl/index.js';
import { FuseplanError } from '../../src/ir/errors.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

const mlp = model('mlp', { x: f32(['B', 4]), w: f32([4, 3]) }, ({ x, w }) => ({ y: x.matmul(w).relu() }));

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof FuseplanError ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
};

describe('compile and run report bad bindings and inputs clearly', () => {
  it('names an unbound symbolic dim and the input that uses it', () => {
    expect(codeOf(() => compile(mlp))).toMatch(/^binding: symbolic dim 'B' \(used by input 'x'\) is not bound/);
  });
  it('rejects a dim the model does not use, and non-positive or fractional sizes', () => {
    expect(codeOf(() => compile(mlp, { dims: { B: 2, T: 3 } }))).toMatch(/^binding: dim 'T' is not used by model 'mlp'/);
    expect(codeOf(() => compile(mlp, { dims: { B: 0 } }))).toMatch(/^binding: dim 'B' must be bound to a positive integer, got 0/);
    expect(codeOf(() => compile(mlp, { dims: { B: 1.5 } }))).toMatch(/positive integer, got 1.5/);
    expect(codeOf(() => compile(mlp, { dims: { B: Number.NaN } }))).toMatch(/positive integer, got NaN/);
  });
  it('names a missing input, an unknown one and a wrong length, and stays usable afterwards', async () => {
    const plan = compile(mlp, { dims: { B: 2 }, limits: gpu.limits });
    const w = new Float32Array(12).fill(1);
    await expect(gpu.run(plan, { w })).rejects.toThrow(/missing input 'x'/);
    await expect(gpu.run(plan, { x: new Float32Array(8), w, z: new Float32Array(1) })).rejects.toThrow(/unknown input 'z'/);
    await expect(gpu.run(plan, { x: new Float32Array(7), w })).rejects.toThrow(/x.*8.*7/);
    const { outputs } = await gpu.run(plan, { x: Float32Array.from([1, 2, 3, 4, -1, -2, -3, -4]), w });
    expect(Array.from(outputs.y!)).toEqual([10, 10, 10, 0, 0, 0]);
  });
});
