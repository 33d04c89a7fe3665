import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { Graph } from '../../src/ir/graph.js';
import { bindShapes } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { closure, fop, modelOf, randomInputs, runOps } from './fused-support.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

function softmax(g: Graph, x: NodeId): NodeId {
  const rank = g.node(x).shape.length;
  const e = g.unary('exp', g.binary('sub', x, g.reduce('max', x, [rank - 1], true)));
  return g.binary('div', e, g.reduce('sum', e, [rank - 1], true));
}

function layerNorm(g: Graph, x: NodeId, gamma: NodeId, beta: NodeId, C: number): { y: NodeId; mean: NodeId } {
  const rank = g.node(x).shape.length;
  const mean = g.binary('mul', g.reduce('sum', x, [rank - 1], true), g.constant(1 / C));
  const d = g.binary('sub', x, mean);
  const v = g.binary('mul', g.reduce('sum', g.binary('mul', d, d), [rank - 1], true), g.constant(1 / C));
  const y = g.binary('add', g.binary('mul', g.binary('mul', d, g.unary('rsqrt', g.binary('add', v, g.constant(1e-5)))), gamma), beta);
  return { y, mean };
}

describe('row template', () => {
  it.each([1, 3, 7, 96, 1000, 4097])('softmax over rows of length %i', async (C) => {
    const g = new Graph();
    const x = g.input('x', [5, C]);
    const y = softmax(g, x);
    const l = await runOps(gpu, modelOf(g, { x }, { y }), [fop(g, 0, 'row', closure(g, [y]), [y])], { inputs: { x: randomInputs(modelOf(g, { x }, { y }), {}, C, 8).x! } });
    expect(l.kernelsPerOp).toEqual([1]);
  });

  it('softmax of a single vector (rank 1), with its max and log-sum as scalar outputs', async () => {
    const g = new Graph();
    const x = g.input('x', [777]);
    const y = softmax(g, x);
    const mx = g.reduce('max', x, [0], true);
    const ls = g.unary('log', g.reduce('sum', g.unary('exp', x), [0]));
    const outs = [y, mx, ls];
    await runOps(gpu, modelOf(g, { x }, { y, mx, ls }), [fop(g, 0, 'row', closure(g, outs), outs)]);
  });

  it('caches the row in private arrays when a lane holds at most 16 elements, re-reads it otherwise', () => {
    for (const [C, cached] of [[1000, true], [4096, true], [4097, false]] as const) {
      const g = new Graph();
      const x = g.input('x', [2, C]);
      const y = softmax(g, x);
      const m = modelOf(g, { x }, { y });
      const wgsl = lowerPlan(m, bindShapes(m, {}), [fop(g, 0, 'row', closure(g, [y]), [y])], { limits: gpu.limits }).executable.kernels[0]!.wgsl;
      expect(wgsl.includes('var cache0')).toBe(cached);
      // Softmax reads x once per element when cached: a single load of the input buffer.
      if (cached) expect(wgsl.match(/b0\[/g)).toHaveLength(1);
    }
  });

  it.each([3, 96, 1000, 4097])('layer norm over rows of length %i, writing the per-row mean too', async (C) => {
    const g = new Graph();
    const x = g.input('x', [2, 3, C]);
    const gamma = g.input('gamma', [C]);
    const beta = g.input('beta', [C]);
    const { y, mean } = layerNorm(g, x, gamma, beta, C);
    const m = modelOf(g, { x, gamma, beta }, { y, mean });
    await runOps(gpu, m, [fop(g, 0, 'row', closure(g, [y, mean]), [y, mean])]);
  });

  it('handles reductions without keepDims (per-row values downstream) and per-row inputs', async () => {
    const g = new Graph();
    const x = g.input('x', [37, 129]);
    const bias = g.input('bias', [37]);
    const scale = g.input('scale', [37, 1]);
    const xs = g.binary('mul', x, scale);
    const mk = g.reduce('max', xs, [1], true);
    const m0 = g.reduce('max', xs, [1]);
    const s = g.reduce('sum', g.unary('exp', g.binary('sub', xs, mk)), [1]);
    const lse = g.binary('add', g.binary('add', g.unary('log', s), m0), bias);
    const centered = g.binary('sub', xs, mk);
    const outs = [lse, centered, mk];
    const m = modelOf(g, { x, bias, scale }, { lse, centered, mk });
    await runOps(gpu, m, [fop(g, 0, 'row', closure(g, outs), outs)]);
  });

  it('chains three reductions (x / rowSums(x - 0.5), then / rowSums(abs(...)), then rowMax)', async () => {
    const g = new Graph();
    const x = g.input('x', [9, 300]);
    const x1 = g.binary('div', x, g.reduce('sum', g.binary('sub', g.unary('abs', x), g.constant(-0.5)), [1], true));
    const x3 = g.binary('div', x1, g.reduce('sum', g.unary('abs', g.binary('mul', x1, g.constant(0.5))), [1], true));
    const mx = g.reduce('max', x3, [1], true);
    const y = g.binary('sub', x3, mx);
    await runOps(gpu, modelOf(g, { x }, { y, mx }), [fop(g, 0, 'row', closure(g, [y, mx]), [y, mx])]);
  });

  it.each([1, 4, 32, 256])('gives the same results with %i lanes per row', async (lanes) => {
    const g = new Graph();
    const x = g.input('x', [19, 300]);
    const gamma = g.input('gamma', [300]);
    const beta = g.input('beta', [300]);
    const { y, mean } = layerNorm(g, x, gamma, beta, 300);
    const m = modelOf(g, { x, gamma, beta }, { y, mean });
    await runOps(gpu, m, [fop(g, 0, 'row', closure(g, [y, mean]), [y, mean])], { lower: { row: { lanes } } });
  });

  it('uses a 2-D dispatch when rows outnumber the per-dimension limit', async () => {
    const g = new Graph();
    const x = g.input('x', [3000, 40]);
    const y = softmax(g, x);
    const m = modelOf(g, { x }, { y });
    const limits = { ...gpu.limits, maxComputeWorkgroupsPerDimension: 5 };
    const l = lowerPlan(m, bindShapes(m, {}), [fop(g, 0, 'row', closure(g, [y]), [y])], { limits });
    expect(l.executable.kernels[0]!.dispatch[1]).toBeGreaterThan(1);
    const { outputs } = await gpu.execute(l.executable, randomInputs(m), { poison: true });
    const y0 = outputs.y!;
    for (let r = 0; r < 3000; r += 499) {
      const s = y0.slice(r * 40, r * 40 + 40).reduce((a, b) => a + b, 0);
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
  });
});

describe('row template on random row programs', () => {
  const dimsArb = fc.tuple(fc.constantFrom(1, 2, 3, 5, 17, 64), fc.constantFrom(1, 2, 3, 4, 7, 16, 33, 100, 256, 1000, 4097), fc.boolean());
  it('matches the reference', async () => {
    await fc.assert(
      fc.asyncProperty(dimsArb, fc.nat(4), fc.nat(3), fc.nat(2), fc.integer(), async ([R, C, rank3], kind, pre, post, seed) => {
        const g = new Graph();
        const shape = rank3 ? [2, R, C] : [R, C];
        const x = g.input('x', shape);
        const rowIn = g.input('r', [...shape.slice(0, -1), 1]);
        const colIn = g.input('c', [C]);
        const last = shape.length - 1;
        const xp = [x, g.unary('abs', x), g.unary('tanh', x), g.unary('exp', g.binary('min', x, g.constant(2)))][pre]!;
        let y: NodeId;
        let stat: NodeId;
        if (kind === 0) {
          y = softmax(g, xp);
          stat = g.reduce('max', xp, [last], true);
        } else if (kind === 1) {
          const ln = layerNorm(g, xp, colIn, rowIn, C);
          y = ln.y;
          stat = ln.mean;
        } else if (kind === 2) {
          stat = g.binary('add', g.unary('log', g.reduce('sum', g.unary('exp', xp), [last])), g.constant(1));
          y = g.binary('mul', xp, g.reduce('min', xp, [last], true));
        } else if (kind === 3) {
          stat = g.reduce('sum', g.binary('add', g.unary('abs', xp), g.constant(1)), [last], true);
          y = g.binary('div', xp, stat);
        } else {
          const mx = g.reduce('max', xp, [last], true);
          stat = g.binary('sub', mx, g.reduce('min', xp, [last], true));
          y = g.binary('sub', xp, mx);
        }
        y = [y, g.binary('mul', y, rowIn), g.binary('add', y, colIn)][post]!;
        const m = modelOf(g, { x, r: rowIn, c: colIn }, { y, stat });
        await runOps(gpu, m, [fop(g, 0, 'row', closure(g, [y, stat]), [y, stat])], { inputs: randomInputs(m, {}, seed) });
      }),
      fuzzParams(30),
    );
  });
});

describe('row template constants', () => {
  it('passes zero constants through the uniform block (second generation pass included)', async () => {
    const g = new Graph();
    const x = g.input('x', [6, 10]);
    const pos = g.binary('gt', x, g.constant(0));
    const s = g.reduce('sum', pos, [1], true);
    const y = g.binary('div', g.binary('mul', x, pos), g.binary('add', s, g.constant(1)));
    await runOps(gpu, modelOf(g, { x }, { y }), [fop(g, 0, 'row', closure(g, [y]), [y])]);
  });
});
