import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { Graph } from '../../src/ir/graph.js';
import { bindShapes } from '../../src/ir/model.js';
import type { ReduceFn } from '../../src/ir/ops.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { closure, fop, modelOf, randomInputs, runOps } from './fused-support.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** fn(exp(min(x, 1)) * y) over `axes`, with y broadcast (a row vector) into x's shape. */
function reduceModel(shape: number[], axes: number[] | 'all', fn: ReduceFn = 'sum', keepDims = false) {
  const g = new Graph();
  const x = g.input('x', shape);
  const y = g.input('y', [shape[shape.length - 1]!]);
  const e = g.binary('mul', g.unary('exp', g.binary('min', x, g.constant(1))), y);
  const r = g.reduce(fn, e, axes, keepDims);
  return { g, m: modelOf(g, { x, y }, { r }), ops: [fop(g, 0, 'cell', closure(g, [r]), [r])] };
}

describe('cell template with aggregation', () => {
  it.each([
    ['all axes, small', [7, 5], 'all', 'sum', false, 1],
    ['all axes, 1M (two passes, vec4 along the reduced axis)', [1024, 1024], 'all', 'sum', false, 2],
    ['all axes, max, two passes', [300000], 'all', 'max', false, 2],
    ['rows (last axis), keepDims', [33, 1000], [1], 'sum', true, 1],
    ['many short rows', [3000, 40], [1], 'sum', false, 1],
    ['a middle axis of a rank-3 tensor', [3, 100, 50], [1], 'sum', false, 1],
    ['a long middle axis (split, 4 outputs per invocation)', [2, 20000, 8], [1], 'min', false, 2],
    ['leading axes (column sums)', [4, 300, 12], [0, 1], 'sum', true, 1],
    ['column sums of a tall matrix (two passes)', [100000, 5], [0], 'sum', false, 2],
    ['first and last axes', [6, 7, 130], [0, 2], 'max', false, 1],
    ['size-1 axes only', [5, 1, 3], [1], 'sum', false, 1],
    ['short rows', [1000, 3], [1], 'min', true, 1],
  ] as const)('%s', async (_name, shape, axes, fn, keep, kernels) => {
    const { m, ops } = reduceModel([...shape], axes === 'all' ? 'all' : [...axes], fn, keep);
    const l = await runOps(gpu, m, ops);
    expect(l.kernelsPerOp).toEqual([kernels]);
  });

  it.each([
    ['all axes', [300000], 'all', 'max', 2],
    ['rows', [33, 1000], [1], 'sum', 1],
    ['first and last axes, odd inner extent', [6, 7, 130], [0, 2], 'min', 1],
    ['long rows split', [3, 50000], [1], 'sum', 2],
  ] as const)('group layout (workgroup trees, opt-in): %s', async (_name, shape, axes, fn, kernels) => {
    const { m, ops } = reduceModel([...shape], axes === 'all' ? 'all' : [...axes], fn);
    const l = await runOps(gpu, m, ops, { lower: { reduce: { layout: 'group' } } });
    expect(l.kernelsPerOp).toEqual([kernels]);
    expect(l.executable.kernels[0]!.wgsl).toContain('workgroupBarrier');
  });

  it('scalar loads when vectorizing is off give the same results', async () => {
    const { m, ops } = reduceModel([64, 4096], [1], 'sum');
    const l = await runOps(gpu, m, ops, { lower: { reduce: { vectorize: false } } });
    expect(l.executable.kernels[0]!.wgsl).not.toContain('vec4<f32>');
  });

  it('reduces an op input directly (no elementwise members)', async () => {
    const g = new Graph();
    const x = g.input('x', [64, 40]);
    const r = g.reduce('max', x, [0]);
    await runOps(gpu, modelOf(g, { x }, { r }), [fop(g, 0, 'cell', [r], [r])]);
  });

  it('propagates NaN through max, min and sum reductions', async () => {
    for (const fn of ['max', 'min', 'sum'] as const) {
      const g = new Graph();
      const x = g.input('x', [4, 4096]);
      const r = g.reduce(fn, g.unary('abs', x), [1]);
      const s = g.reduce(fn, g.unary('abs', x), 'all');
      const inputs = randomInputs(modelOf(g, { x }, { r }));
      inputs.x![3 * 4096 + 4000] = NaN;
      inputs.x![5] = NaN;
      await runOps(gpu, modelOf(g, { x }, { r }), [fop(g, 0, 'cell', closure(g, [r]), [r])], { inputs });
      await runOps(gpu, modelOf(g, { x }, { s }), [fop(g, 0, 'cell', closure(g, [s]), [s])], { inputs });
    }
  });

  it.each([
    ['group', [70, 9000], 16],
    ['thread', [3000, 40], 4],
  ] as const)('uses a 2-D dispatch under a tiny per-dimension limit (%s layout)', async (layout, shape, perDim) => {
    const { m, ops } = reduceModel([...shape], [1]);
    const limits = { ...gpu.limits, maxComputeWorkgroupsPerDimension: perDim };
    const l = lowerPlan(m, bindShapes(m, {}), ops, { limits, reduce: { layout } });
    expect(l.executable.kernels[0]!.dispatch[1]).toBeGreaterThan(1);
    const inputs = randomInputs(m);
    const { outputs } = await gpu.execute(l.executable, inputs, { poison: true });
    expect(outputs.r!.some((v) => Number.isNaN(v))).toBe(false);
  });
});

describe('magg template', () => {
  it('computes sum(x*y), sum(x*x), sum(y*y) in one pass over x and y', async () => {
    for (const n of [1000, 1 << 20]) {
      const g = new Graph();
      const x = g.input('x', [n]);
      const y = g.input('y', [n]);
      const xy = g.reduce('sum', g.binary('mul', x, y), 'all');
      const xx = g.reduce('sum', g.binary('mul', x, x), 'all');
      const yy = g.reduce('sum', g.binary('mul', y, y), 'all');
      const outs = [xy, xx, yy];
      const l = await runOps(gpu, modelOf(g, { x, y }, { xy, xx, yy }), [fop(g, 0, 'magg', closure(g, outs), outs)]);
      expect(l.kernelsPerOp).toEqual([n > 2048 ? 2 : 1]);
      // One read binding per input: x and y are each loaded once per element for all three sums.
      expect(l.executable.kernels[0]!.buffers.length).toBe(n > 2048 ? 3 : 5);
    }
  });

  it('mixes max, min and sum over the same axes, with a shared subexpression', async () => {
    const g = new Graph();
    const x = g.input('x', [40, 3, 500]);
    const z = g.unary('exp', g.unary('abs', g.binary('sub', x, g.constant(0.5))));
    const mx = g.reduce('max', z, [0, 2], true);
    const mn = g.reduce('min', g.binary('mul', z, g.constant(-1)), [0, 2], true);
    const sm = g.reduce('sum', z, [0, 2], true);
    const outs = [mx, mn, sm];
    await runOps(gpu, modelOf(g, { x }, { mx, mn, sm }), [fop(g, 0, 'magg', closure(g, outs), outs)]);
  });

  it('column-style magg with partials (thread layout, two passes)', async () => {
    const g = new Graph();
    const x = g.input('x', [50000, 3]);
    const s = g.reduce('sum', x, [0]);
    const q = g.reduce('max', g.unary('neg', x), [0]);
    const l = await runOps(gpu, modelOf(g, { x }, { s, q }), [fop(g, 0, 'magg', closure(g, [s, q]), [s, q])]);
    expect(l.kernelsPerOp).toEqual([2]);
  });
});

describe('aggregations on random shapes and axes', () => {
  const SIZES = [1, 2, 3, 4, 5, 8, 12, 33, 100, 257, 3000];
  it('magg and cell aggregates match the reference in both layouts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...SIZES), { minLength: 1, maxLength: 3 }),
        fc.nat(7),
        fc.boolean(),
        fc.array(fc.constantFrom('sum', 'max', 'min'), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('thread', 'group'),
        fc.integer(),
        async (shape, mask, keep, fns, layout, seed) => {
          if (shape.reduce((a, b) => a * b, 1) > 1 << 20) return;
          const g = new Graph();
          const x = g.input('x', shape);
          const v = g.input('v', [shape[shape.length - 1]!]);
          const axes = shape.map((_, i) => i).filter((i) => (mask >> i) & 1);
          if (axes.length === 0) axes.push(shape.length - 1);
          const z = g.binary('mul', g.unary('sigmoid', x), v);
          const outs = [...new Set(fns.map((fn, i) => g.reduce(fn as ReduceFn, i === 0 ? z : g.binary('add', z, g.constant(i)), axes, keep)))];
          const m = modelOf(g, { x, v }, Object.fromEntries(outs.map((o, i) => [`r${i}`, o])));
          const op = fop(g, 0, outs.length > 1 ? 'magg' : 'cell', closure(g, outs), outs);
          await runOps(gpu, m, [op], { inputs: randomInputs(m, {}, seed), lower: { reduce: { layout } } });
        },
      ),
      fuzzParams(25),
    );
  });
});
