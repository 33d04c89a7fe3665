/**
 * The cost model counts what codegen emits (docs/performance.md, "Cost-model fidelity"): kernels
 * per reduction as reduce.ts splits them, matmul flops of the padded tiles, skinny products at
 * least skinnyMinRows rows, prologue evaluations per tile load (at the prologue's arithmetic share)
 * and their extra tensor reads, row
 * programs that re-read and recompute per phase when a lane cannot cache its row, and per-template
 * shares of the profile's maxima.
 */
import { describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { opCost } from '../../src/cost/op-cost.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../../src/cost/profile.js';
import { Graph } from '../../src/ir/graph.js';
import type { ModelIR } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import { planModel } from '../../src/planner/planner.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';

const P: DeviceProfile = DEFAULT_PROFILE;
const modelOf = (g: Graph, out: NodeId): ModelIR => ({
  name: 't',
  graph: g,
  inputs: g.nodes.filter((n) => n.op === 'input').map((n) => ({ name: (n as { name: string }).name, node: n.id })),
  outputs: [{ name: 'y', node: out }],
});
const planOf = (g: Graph, out: NodeId, profile: DeviceProfile = P) => {
  const m = modelOf(g, out);
  return { m, plan: planModel(m, {}, { strategy: 'fuse-all', profile }) };
};

describe('the cost model counts what codegen emits', () => {
  it('two-pass reductions: the launches the cost model charges are the kernels codegen emits', () => {
    const shapes: [number[], number[] | 'all'][] = [
      [[4096, 4096], [1]], // 4096 outputs, 4096 long: split
      [[16384, 64], [1]], // many short rows: one pass
      [[1000, 100], 'all'], // 100k -> 1: split
      [[100, 10], 'all'], // short: one pass
      [[4096, 1024], [0]], // column sums, 1024 outputs (vec4: 256 items), 4096 long: split
      [[2100, 8192], [0]], // 8192 outputs (vec4: 2048 items): split
      [[64, 40000], [0]], // 40000 outputs, 64 long: one pass
    ];
    for (const [shape, axes] of shapes) {
      const g = new Graph();
      const x = g.input('x', shape);
      const { m, plan } = planOf(g, g.reduce('sum', g.unary('exp', x), axes));
      const { kernelsPerOp } = lowerPlan(m, plan.shapes, plan.ops, { limits: WEBGPU_DEFAULT_LIMITS });
      expect(plan.costs.map((c) => c.launches), `${shape} ${axes}`).toEqual(kernelsPerOp);
    }
  });

  it('tiled matmul: flops of whole 64 x 64 tiles in k-steps of 8; prologue members once per padded tile element and column tile', () => {
    const g = new Graph();
    const a = g.input('a', [100, 40]);
    const w = g.input('w', [40, 130]);
    const mm = g.matmul(g.unary('exp', a), w);
    const { plan } = planOf(g, mm);
    const c = plan.costs[0]!;
    const padded = 2 * 128 * 192 * 40; // K = 40 is a whole number of k-steps of 8
    const expEvals = 128 * 40 * 3; // padded A tiles, once per column tile (ceil(130/64) = 3)
    expect(c.flops).toBe(padded + 18 * expEvals);
  });

  it('skinny matmul (N <= 4): a row per invocation, at least skinnyMinRows rows; B-side prologue once per row', () => {
    const g = new Graph();
    const x = g.input('x', [8, 1000]);
    const v = g.input('v', [1000, 1]);
    const mm = g.matmul(x, g.unary('exp', v));
    const { plan } = planOf(g, mm);
    const minRows = P.matmul!.skinnyMinRows!;
    expect(minRows).toBeGreaterThan(8);
    expect(plan.costs[0]!.flops).toBe(2 * minRows * 1 * 1000 + 18 * 8 * 1000);
  });

  it('prologue evaluations reading more tensors than the operand pay prologueLoadMs per extra read', () => {
    const g = new Graph();
    const a = g.input('a', [64, 256]);
    const r = g.input('r', [64, 256]);
    const w = g.input('w', [256, 64]);
    const one = planOf(g, g.matmul(g.unary('exp', a), w)).plan.costs[0]!;
    const two = planOf(g, g.matmul(g.unary('exp', g.binary('add', a, r)), w)).plan.costs[0]!;
    const evals = 64 * 256;
    // (Prologue arithmetic runs at its own share of flopsPerMs.)
    const extra = two.ms - one.ms - (two.flops - one.flops) / (P.flopsPerMs * P.arithmetic!.prologue!);
    expect(extra).toBeCloseTo(evals * P.matmul!.prologueLoadMs!, 9);
  });

  it('row programs: a lane that cannot cache its row re-reads it and recomputes element values in every phase', () => {
    const build = (C: number) => {
      const g = new Graph();
      const x = g.input('x', [512, C]);
      const e = g.unary('exp', x);
      const y = g.binary('sub', e, g.reduce('max', e, [1], true)); // phases: max, then the output
      return planOf(g, y, { ...P, kernels: { row: { minLanes: 1, cacheMax: 16 } } }).plan;
    };
    const cached = build(16).costs[0]!; // 16 elements a lane: cached
    const uncached = build(64).costs[0]!;
    expect(cached.bytesRead).toBe(512 * 16 * 4);
    expect(uncached.bytesRead).toBe(2 * 512 * 64 * 4);
    // exp (18) once vs in both phases; max (1) and sub (1) once each.
    expect(cached.flops).toBe(512 * 16 * (18 + 1 + 1));
    expect(uncached.flops).toBe(512 * 64 * (2 * 18 + 1 + 1));
  });

  it("templates run at their share of the profile's maxima; scaling a maximum scales every template", () => {
    const g = new Graph();
    const x = g.input('x', [1024, 1024]);
    const rowPlan = planOf(g, g.binary('sub', x, g.reduce('max', x, [1], true))).plan;
    const op = rowPlan.ops[0]!;
    expect(op.template).toBe('row');
    const ctx = { node: (id: NodeId) => g.node(id), shapes: rowPlan.shapes };
    const c = opCost(ctx, op, P);
    const bytes = c.bytesRead + c.bytesWritten;
    expect(c.ms).toBeCloseTo(P.launchMs + bytes / (P.bytesPerMs * P.bandwidth!.row!), 9);
    const fast = opCost(ctx, op, { ...P, bytesPerMs: P.bytesPerMs * 10 });
    expect(fast.ms - P.launchMs).toBeCloseTo((c.ms - P.launchMs) / 10, 9);
  });
});
