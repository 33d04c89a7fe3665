import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { Graph } from '../../src/ir/graph.js';
import { bindShapes } from '../../src/ir/model.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { closure, fop, modelOf, runOps } from './fused-support.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

describe('matmul template', () => {
  it.each([
    [33, 70, 17],
    [1, 1, 1],
    [64, 64, 64],
    [65, 3, 130],
    [200, 300, 150],
  ])('relu(X) @ W with a bias + relu epilogue, [%i x %i] @ [%i]', async (M, K, N) => {
    const g = new Graph();
    const x = g.input('x', [M, K]);
    const w = g.input('w', [K, N]);
    const b = g.input('b', [N]);
    const rx = g.unary('relu', x);
    const mm = g.matmul(rx, w);
    const y = g.unary('relu', g.binary('add', mm, b));
    const l = await runOps(gpu, modelOf(g, { x, w, b }, { y }), [fop(g, 0, 'matmul', closure(g, [y]), [y])]);
    expect(l.kernelsPerOp).toEqual([1]);
  });

  it('batched with batch broadcast on either side, prologue on both operands, residual and scaling', async () => {
    for (const [sa, sb] of [
      [[3, 20, 30], [3, 30, 9]],
      [[1, 20, 30], [4, 30, 9]],
      [[4, 20, 30], [30, 9]],
      [[20, 30], [2, 30, 9]],
    ]) {
      const g = new Graph();
      const a = g.input('a', sa!);
      const w = g.input('w', sb!);
      const res = g.input('res', [20, 9]);
      const mm = g.matmul(g.binary('mul', a, g.constant(2)), g.unary('tanh', w));
      const y = g.binary('add', g.binary('mul', mm, g.constant(0.5)), res);
      const m = modelOf(g, { a, w, res }, { y, mm });
      await runOps(gpu, m, [fop(g, 0, 'matmul', closure(g, [y]), [mm, y])]);
    }
  });

  it.each([
    [[1000, 64], [64, 1]],
    [[70000, 5], [5, 3]],
    [[3, 17, 40], [3, 40, 4]],
    [[1, 1], [1, 2]],
  ])('skinny products (N <= 4, one row per invocation) %j @ %j with prologue and epilogue', async (sa, sb) => {
    const g = new Graph();
    const x = g.input('x', sa!);
    const w = g.input('w', sb!);
    const mm = g.matmul(g.unary('abs', x), g.binary('mul', w, g.constant(3)));
    const y = g.binary('max', g.binary('sub', g.constant(1), mm), g.constant(0));
    const m = modelOf(g, { x, w }, { y });
    const l = await runOps(gpu, m, [fop(g, 0, 'matmul', closure(g, [y]), [y])]);
    expect(l.executable.kernels[0]!.wgsl).not.toContain('var<workgroup>');
  });

  it('reads a transposed weight (x @ w.T) through a transpose member', async () => {
    const g = new Graph();
    const x = g.input('x', [37, 21]);
    const w = g.input('w', [11, 21]);
    const wt = g.transpose(w);
    const mm = g.matmul(x, wt);
    const y = g.unary('sigmoid', mm);
    await runOps(gpu, modelOf(g, { x, w }, { y }), [fop(g, 0, 'matmul', [wt, mm, y], [y])]);
  });

  it('rejects prologue members as outputs and two matmuls in one op', () => {
    const g = new Graph();
    const x = g.input('x', [4, 4]);
    const rx = g.unary('relu', x);
    const mm = g.matmul(rx, x);
    const mm2 = g.matmul(mm, x);
    const m = modelOf(g, { x }, { mm2, rx });
    const shapes = bindShapes(m, {});
    expect(() => lowerPlan(m, shapes, [fop(g, 0, 'matmul', [rx, mm], [rx, mm]), fop(g, 1, 'single', [mm2], [mm2])], { limits: gpu.limits })).toThrow(/feeds the matmul/);
    expect(() => lowerPlan(m, shapes, [fop(g, 0, 'matmul', [rx, mm, mm2], [mm2])], { limits: gpu.limits })).toThrow(/exactly one matmul/);
  });
});
