/**
 * The analytic cost model (src/cost/op-cost.ts) on hand-built operators: what a materialized
 * intermediate costs (one write, a read per consumer), that recomputation is charged in every
 * operator that recomputes, the extra launch of two-pass reductions, launch overhead per kernel,
 * and that a plan's cost is the sum of its operators' costs.
 */
import { describe, expect, it } from 'vitest';
import { nodeWeight, opCost, planCost, isTwoPass } from '../../src/cost/op-cost.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../../src/cost/profile.js';
import { Graph } from '../../src/ir/graph.js';
import type { ModelIR } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import { makeContext, type PlanContext } from '../../src/planner/context.js';
import type { FusedOp, Template } from '../../src/plan/plan.js';
import { planModel } from '../../src/planner/planner.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';

const P: DeviceProfile = DEFAULT_PROFILE;
const R = 1000;
const C = 100;
const CELLS = R * C;
const BYTES = CELLS * 4;

function ctxOf(g: Graph, outputs: NodeId[]): PlanContext {
  const model: ModelIR = {
    name: 'cost',
    graph: g,
    inputs: g.nodes.filter((n) => n.op === 'input').map((n) => ({ name: (n as { name: string }).name, node: n.id })),
    outputs: outputs.map((node, i) => ({ name: `o${i}`, node })),
  };
  return makeContext(model, {}, WEBGPU_DEFAULT_LIMITS, P);
}
let nextId = 0;
const op = (template: Template, members: NodeId[], outputs: NodeId[], inputs: NodeId[]): FusedOp => ({
  id: nextId++,
  template,
  members: [...members].sort((a, b) => a - b),
  outputs: [...outputs].sort((a, b) => a - b),
  inputs: [...inputs].sort((a, b) => a - b),
});
/** The model's formula for one operator (bandwidth: the template's share of bytesPerMs). */
const formula = (launches: number, bytes: number, flops: number, mmFlops = 0, bytesPerMs = P.bytesPerMs * (P.bandwidth?.cell ?? 1)): number =>
  launches * P.launchMs + Math.max(bytes / bytesPerMs, flops / P.flopsPerMs + mmFlops / (P.matmulFlopsPerMs * (P.matmul?.tiled ?? 1)));
const reduceBw = P.bytesPerMs * (P.bandwidth?.reduce ?? 1);

// X [R, C]; A = exp(X) (a CSE); B = A + 1; D = A * 2.
const g = new Graph();
const X = g.input('X', [R, C]);
const A = g.unary('exp', X);
const one = g.constant(1);
const two = g.constant(2);
const B = g.binary('add', A, one);
const D = g.binary('mul', A, two);
const ctx = ctxOf(g, [B, D]);
const wExp = nodeWeight(ctx.node(A));
const wAdd = nodeWeight(ctx.node(B));
const wMul = nodeWeight(ctx.node(D));

describe('op cost', () => {
  it('weights come from the op table (exp 18, add 1, mul 1, sum 4)', () => {
    expect([wExp, wAdd, wMul]).toEqual([18, 1, 1]);
    const s = g.reduce('sum', X, 'all');
    expect(nodeWeight(g.node(s))).toBe(4);
  });

  it('a materialized intermediate is written once and read by each consumer', () => {
    const writeA = op('cell', [A], [A], [X]);
    const readB = op('cell', [B], [B], [A, one]);
    const readD = op('cell', [D], [D], [A, two]);
    const [cw, cb, cd] = [writeA, readB, readD].map((o) => opCost(ctx, o, P));
    expect(cw!.bytesWritten).toBe(BYTES);
    expect(cw!.bytesRead).toBe(BYTES); // X
    expect(cb!.bytesRead).toBe(BYTES); // A (the scalar constant is a literal: no read)
    expect(cd!.bytesRead).toBe(BYTES);
    expect(cw!.ms).toBeCloseTo(formula(1, 2 * BYTES, wExp * CELLS), 12);
    expect(cb!.ms).toBeCloseTo(formula(1, 2 * BYTES, wAdd * CELLS), 12);
    const total = planCost(ctx, [writeA, readB, readD], P);
    expect(total.costs.reduce((s, c) => s + c.bytesRead + c.bytesWritten, 0)).toBe(6 * BYTES); // X; A once written, twice read; B, D
  });

  it('redundant recomputation: a node fused into two operators is charged in both', () => {
    const withB = op('cell', [A, B], [B], [X, one]);
    const withD = op('cell', [A, D], [D], [X, two]);
    const cb = opCost(ctx, withB, P);
    const cd = opCost(ctx, withD, P);
    expect(cb.flops).toBe((wExp + wAdd) * CELLS);
    expect(cd.flops).toBe((wExp + wMul) * CELLS);
    expect(cb.bytesRead).toBe(BYTES);
    expect(cb.ms).toBeCloseTo(formula(1, 2 * BYTES, (wExp + wAdd) * CELLS), 12);
    // The same two outputs from one operator: A computed once, X read once, one launch.
    const both = opCost(ctx, op('cell', [A, B, D], [B, D], [X, one, two]), P);
    expect(both.flops).toBe((wExp + wAdd + wMul) * CELLS);
    expect(both.ms).toBeLessThan(cb.ms + cd.ms);
  });

  it('an input read twice by one operator is charged once', () => {
    const sq = g.binary('mul', X, X);
    const c = opCost(ctxOf(g, [sq]), op('cell', [sq], [sq], [X]), P);
    expect(c.bytesRead).toBe(BYTES);
  });

  it('reductions: a long full or column reduction with few outputs takes a second pass (one more launch)', () => {
    const full = g.reduce('sum', X, 'all'); // 100k cells -> 1
    const rows = g.reduce('sum', X, [1], true); // 1000 rows of 100
    const small = g.input('S', [10, 10]);
    const smallSum = g.reduce('sum', small, 'all'); // 100 cells -> 1
    const c = ctxOf(g, [full, rows, smallSum]);
    expect(isTwoPass(1, CELLS)).toBe(true);
    expect(isTwoPass(R, C)).toBe(false);
    expect(isTwoPass(1, 100)).toBe(false);
    const cf = opCost(c, op('cell', [full], [full], [X]), P);
    const cr = opCost(c, op('cell', [rows], [rows], [X]), P);
    const cs = opCost(c, op('cell', [smallSum], [smallSum], [small]), P);
    expect([cf.launches, cr.launches, cs.launches]).toEqual([2, 1, 1]);
    expect(cf.flops).toBe(4 * CELLS);
    expect(cf.ms).toBeCloseTo(formula(2, BYTES + 4, 4 * CELLS, 0, reduceBw), 12);
    expect(cr.ms).toBeCloseTo(formula(1, BYTES + R * 4, 4 * CELLS, 0, reduceBw), 12);
    // The second pass costs exactly one launch more than the same work in one pass.
    expect(cf.ms - formula(1, BYTES + 4, 4 * CELLS, 0, reduceBw)).toBeCloseTo(P.launchMs, 12);
  });

  it('launch overhead per kernel: tiny operators cost about a launch each', () => {
    const t = g.input('t', [4]);
    const ops: FusedOp[] = [];
    let prev = t;
    const nodes: NodeId[] = [];
    for (let i = 0; i < 5; i++) {
      const n = g.unary('abs', g.binary('add', prev, g.constant(i + 3)));
      nodes.push(n);
      prev = n;
    }
    const c = ctxOf(g, [prev]);
    let input = t;
    for (const n of nodes) {
      const add = g.node(n).inputs[0]!;
      ops.push(op('cell', [add, n], [n], [input, g.node(add).inputs[1]!]));
      input = n;
    }
    const { ms, costs } = planCost(c, ops, P);
    for (const oc of costs) expect(oc.launches).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(5 * P.launchMs);
    expect(ms).toBeLessThan(5 * P.launchMs * 1.01);
    // One fused kernel instead of five saves four launches.
    const fused = opCost(c, op('cell', nodes.flatMap((n) => [g.node(n).inputs[0]!, n]), [prev], [t, ...nodes.map((n) => g.node(g.node(n).inputs[0]!).inputs[1]!)]), P);
    expect(ms - fused.ms).toBeCloseTo(4 * P.launchMs, 3); // plus the few bytes of the tiny intermediates
  });

  it('matmul: 2 flops per multiply-add of the padded 64 x 64 tiles at the matmul rate; epilogue members per output cell', () => {
    const a = g.input('a', [64, 128]);
    const w = g.input('w', [128, 32]);
    const mm = g.matmul(a, w);
    const r = g.unary('relu', mm);
    const c = ctxOf(g, [r]);
    const cost = opCost(c, op('matmul', [mm, r], [r], [a, w]), P);
    // N = 32 fills half of a 64-wide tile; the kernel computes the whole tile.
    const mmFlops = nodeWeight(g.node(mm)) * 64 * 64 * 128;
    expect(nodeWeight(g.node(mm))).toBe(2);
    expect(cost.flops).toBe(mmFlops + 1 * 64 * 32);
    expect(cost.ms).toBeCloseTo(formula(1, (64 * 128 + 128 * 32 + 64 * 32) * 4, 64 * 32, mmFlops), 12);
  });

  it('plan cost is the sum of its operator costs (planCost and planModel)', () => {
    const ops = [op('cell', [A], [A], [X]), op('cell', [B], [B], [A, one]), op('cell', [D], [D], [A, two])];
    const { ms, costs } = planCost(ctx, ops, P);
    expect(costs.map((c) => c.op)).toEqual(ops.map((o) => o.id));
    expect(ms).toBeCloseTo(costs.reduce((s, c) => s + c.ms, 0), 12);
    for (const strategy of ['none', 'fuse-all', 'fuse-no-redundancy', 'cost'] as const) {
      const plan = planModel(ctx.model, {}, { strategy });
      expect(plan.estimatedMs).toBeCloseTo(plan.costs.reduce((s, c) => s + c.ms, 0), 12);
      expect(plan.estimatedMs).toBeCloseTo(planCost(ctx, plan.ops, P).ms, 12);
    }
  });

  it('the profile scales the terms: bandwidth-bound vs compute-bound', () => {
    const o = op('cell', [A, B], [B], [X, one]);
    const memBound = opCost(ctx, o, { ...P, flopsPerMs: 1e15 });
    const computeBound = opCost(ctx, o, { ...P, bytesPerMs: 1e15 });
    expect(memBound.ms).toBeCloseTo(P.launchMs + (2 * BYTES) / P.bytesPerMs, 12);
    expect(computeBound.ms).toBeCloseTo(P.launchMs + ((wExp + wAdd) * CELLS) / P.flopsPerMs, 12);
  });
});
