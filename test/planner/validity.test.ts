import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../src/cost/profile.js';
import { aliasBase } from '../../src/ir/alias.js';
import { isLeaf, makeContext } from '../../src/planner/context.js';
import { STRATEGIES, type Plan } from '../../src/plan/plan.js';
import { planModel, topoOrder } from '../../src/planner/planner.js';
import { validatePlan } from '../../src/planner/validate.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import type { DeviceLimits } from '../../src/ir/limits.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

/** Everything that must hold of any plan, whatever the strategy and the limits. */
function checkPlan(plan: Plan, limits: DeviceLimits): void {
  const m = plan.model;
  const ctx = makeContext(m, plan.dims, limits, DEFAULT_PROFILE, m.graph.pins);
  expect(validatePlan(ctx, plan)).toEqual([]);
  // Every model output is written by exactly one operator (or is a leaf / a view of one).
  const writers = new Map<number, number>();
  for (const op of plan.ops) for (const o of op.outputs) writers.set(o, (writers.get(o) ?? 0) + 1);
  for (const o of m.outputs) {
    const base = aliasBase(ctx, o.node);
    if (isLeaf(ctx.node(base))) continue;
    expect(writers.get(base), `output ${o.name}`).toBe(1);
  }
  // Execution order: every operator's non-leaf inputs are written by an earlier operator.
  const written = new Set<number>();
  for (const op of plan.ops) {
    for (const i of op.inputs) {
      const base = aliasBase(ctx, i);
      if (!isLeaf(ctx.node(base))) expect(written.has(base), `op ${op.id} reads %${i} before it is written`).toBe(true);
    }
    for (const o of op.outputs) written.add(o);
  }
  expect(() => topoOrder(plan.ops, (id) => aliasBase(ctx, id))).not.toThrow();
  expect(plan.ops.map((o) => o.id)).toEqual(plan.ops.map((_, i) => i));
  expect(plan.costs.length).toBe(plan.ops.length);
  expect(Number.isFinite(plan.estimatedMs)).toBe(true);
  for (const n of plan.materialized) expect(m.outputs.some((o) => o.node === n)).toBe(false);
}

describe('planner validity on random DAGs', () => {
  it('every strategy yields a valid plan (WebGPU default limits)', () => {
    fc.assert(
      fc.property(recipeArb({ maxSteps: 14 }), (r) => {
        const { model, dims } = buildRecipe(r);
        for (const strategy of STRATEGIES) checkPlan(planModel(model, dims, { strategy }), WEBGPU_DEFAULT_LIMITS);
      }),
      fuzzParams(120),
    );
  });

  it('every strategy yields a valid plan with maxStorageBuffersPerShaderStage = 4 (forces limit splits)', () => {
    const limits: DeviceLimits = { ...WEBGPU_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 4 };
    let split = 0;
    fc.assert(
      fc.property(recipeArb({ maxSteps: 14 }), (r) => {
        const { model, dims } = buildRecipe(r);
        for (const strategy of STRATEGIES) {
          const plan = planModel(model, dims, { strategy, limits });
          checkPlan(plan, limits);
          if (plan.decisions.some((d) => d.reason.kind === 'limit')) split++;
        }
      }),
      fuzzParams(100),
    );
    void split;
  });
});
