/**
 * Runs that overlap: many run() calls on one runtime in flight at once, over different plans and
 * the same plan with different inputs, must each return their own correct outputs (buffers from
 * the pool are never shared between runs in flight).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { seededRandom } from '../../src/api/random-inputs.js';
import { f32, layerNorm, model, softmax } from '../../src/index.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

const mlp = model('mlp', { x: f32(['B', 64]), w: f32([64, 32]), b: f32([32]) }, ({ x, w, b }) => ({ y: softmax(x.matmul(w).add(b).relu()) }));
const norm = model('norm', { x: f32(['B', 96]) }, ({ x }) => ({ y: layerNorm(x), s: x.sum() }));

const inputsFor = (names: Record<string, number>, seed: number): Record<string, Float32Array> => {
  const rnd = seededRandom(seed);
  return Object.fromEntries(Object.entries(names).map(([k, n]) => [k, Float32Array.from({ length: n }, () => rnd() * 2 - 1)]));
};

describe('concurrent runs on one runtime', () => {
  it('32 overlapping runs of two models and three strategies each return their own correct outputs', async () => {
    const jobs = Array.from({ length: 32 }, (_, i) => {
      // Two batch sizes: kernels are specialised to their shapes, so each size compiles its own.
      const B = 8 + (i % 2);
      const strategy = (['cost', 'none', 'fuse-all'] as const)[i % 3]!;
      const [m, sizes] = i % 2 === 0 ? [mlp, { x: B * 64, w: 64 * 32, b: 32 }] : [norm, { x: B * 96 }];
      const inputs = inputsFor(sizes, 1000 + i);
      return { m, B, inputs, plan: compile(m, { dims: { B }, strategy, limits: gpu.limits }) };
    });
    const results = await Promise.all(jobs.map((j) => gpu.run(j.plan, j.inputs)));
    results.forEach((r, i) => {
      const j = jobs[i]!;
      const ref = evaluate(j.m.ir, { B: j.B }, j.inputs);
      for (const o of j.m.ir.outputs) expect(compareToReference(r.outputs[o.name]!, ref[o.name]!).ok, `job ${i} ${o.name}`).toBe(true);
    });
    expect(gpu.stats().liveBuffers).toBe(0);
  });
});
