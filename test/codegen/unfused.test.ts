import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { Graph } from '../../src/ir/graph.js';
import type { ModelIR } from '../../src/ir/model.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

async function runAndCompare(model: ModelIR, dims: Record<string, number>, inputs: Record<string, Float32Array>): Promise<void> {
  const plan = compile(model, { dims, strategy: 'none', limits: gpu.limits });
  const { outputs } = await gpu.run(plan, inputs, { poison: true });
  const ref = evaluate(model, dims, inputs);
  for (const o of model.outputs) {
    const c = compareToReference(outputs[o.name]!, ref[o.name]!);
    if (!c.ok) {
      throw new Error(`output ${o.name}: ${c.badCount} elements off (max rel err ${c.maxRelErr}), first: ${JSON.stringify(c.mismatches.slice(0, 3))}`);
    }
  }
}

describe('unfused executor (strategy none) vs float64 reference', () => {
  it('matches the reference on 220 random DAGs (broadcasts, reductions, matmul, transposes, edge sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(recipeArb(), async (recipe) => {
        const b = buildRecipe(recipe);
        await runAndCompare(b.model, b.dims, b.inputs);
      }),
      fuzzParams(220),
    );
  });

  it('emits one kernel per primitive op, none for inputs, constants and reshapes', () => {
    const g = new Graph();
    const x = g.input('x', [4, 8]);
    const y = g.reshape(g.unary('exp', g.binary('add', x, g.constant(1))), [32]);
    const plan = compile({ name: 'k', graph: g, inputs: [{ name: 'x', node: x }], outputs: [{ name: 'y', node: y }] }, { strategy: 'none' });
    expect(plan.executable.kernels.map((k) => k.label)).toEqual(['op0 single %2 add', 'op1 single %3 exp']);
  });

  it('runs a tensor larger than 65535 x 256 elements (2-D dispatch)', async () => {
    const n = 65535 * 256 + 4099;
    const g = new Graph();
    const x = g.input('x', [n]);
    const y = g.binary('mul', g.unary('abs', x), g.constant(2));
    const s = g.reduce('max', y, 'all');
    const model = { name: 'big', graph: g, inputs: [{ name: 'x', node: x }], outputs: [{ name: 'y', node: y }, { name: 's', node: s }] };
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (i % 1000) - 500;
    data[n - 1] = -777;
    const plan = compile(model, { limits: gpu.limits, strategy: 'none' });
    expect(plan.executable.kernels[0]!.dispatch[1]).toBeGreaterThan(1);
    const { outputs } = await gpu.run(plan, { x: data }, { poison: true });
    expect(outputs.y![n - 1]).toBe(1554);
    expect(outputs.y![n - 2]).toBe(Math.abs(((n - 2) % 1000) - 500) * 2);
    expect(outputs.s![0]).toBe(1554);
    const nan = outputs.y!.findIndex((v) => Number.isNaN(v));
    expect(nan).toBe(-1);
  });

  it('propagates NaN and infinities like the reference (log of negatives, max/min with NaN, pow)', async () => {
    const g = new Graph();
    const x = g.input('x', [8]);
    const y = g.input('y', [8]);
    const outs = {
      log: g.unary('log', x),
      sqrt: g.unary('sqrt', x),
      max: g.binary('max', x, y),
      min: g.binary('min', x, y),
      pow: g.binary('pow', x, g.constant(3)),
      powf: g.binary('pow', x, g.constant(0.5)),
      relu: g.unary('relu', x),
      tanh: g.unary('tanh', x),
      rmax: g.reduce('max', x, 'all'),
      rsum: g.reduce('sum', y, 'all'),
      ne: g.binary('ne', x, x),
    };
    const model = {
      name: 'nan',
      graph: g,
      inputs: [{ name: 'x', node: x }, { name: 'y', node: y }],
      outputs: Object.entries(outs).map(([name, node]) => ({ name, node })),
    };
    const xs = Float32Array.from([-2, -0.5, 0, 0.5, 2, NaN, Infinity, -Infinity]);
    const ys = Float32Array.from([NaN, 1, 2, 3, 4, 5, 6, 7]);
    const { outputs } = await gpu.run(compile(model, { limits: gpu.limits }), { x: xs, y: ys }, { poison: true });
    const ref = evaluate(model, {}, { x: xs, y: ys });
    for (const name of Object.keys(outs)) {
      const c = compareToReference(outputs[name]!, ref[name]!);
      expect(c.ok, `${name}: got ${Array.from(outputs[name]!)} want ${Array.from(ref[name]!.data)}`).toBe(true);
    }
  });
});
