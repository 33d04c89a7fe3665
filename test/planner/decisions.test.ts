/**
 * Decisions and explain output: every edge a fused plan leaves unfused says why; pins (graph.pin
 * and the `materialize` option) hold under every strategy; the storage-binding limit splits an
 * operator and says so; explainJSON / explainDot have the documented shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../src/cost/profile.js';
import { add, f32, materialize, model, softmax, type Shape, type Tensor } from '../../src/dsl/index.js';
import type { Dims, ModelIR } from '../../src/ir/model.js';
import { liveNodes } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import { isLeaf, makeContext } from '../../src/planner/context.js';
import { explainDot } from '../../src/explain/dot.js';
import { explainJSON, explainText } from '../../src/explain/text.js';
import { bindingsOf } from '../../src/planner/limits.js';
import { STRATEGIES, type Plan, type Strategy } from '../../src/plan/plan.js';
import { planModel, type PlanOptions } from '../../src/planner/planner.js';
import { validatePlan } from '../../src/planner/validate.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import { buildCse, cseRecipeArb } from '../support/cse-dag.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

type T = Tensor<Shape>;
const FUSED: readonly Strategy[] = ['fuse-all', 'fuse-no-redundancy', 'cost'];
const REASONS = ['template', 'limit', 'pin', 'cost', 'strategy'];

/** Random models from both generators (the general one and the CSE-heavy one). */
const anyModel: fc.Arbitrary<{ model: ModelIR; dims: Dims }> = fc.oneof(
  recipeArb({ maxSteps: 12 }).map((r) => {
    const b = buildRecipe(r);
    return { model: b.model, dims: b.dims };
  }),
  cseRecipeArb().map((r) => ({ model: buildCse(r), dims: {} })),
);

/** Every producer -> consumer edge that crosses operators in `plan` has a 'cut' decision with a reason. */
function checkEdgesExplained(plan: Plan): void {
  const g = plan.model.graph;
  for (const op of plan.ops) {
    const inside = new Set(op.members);
    for (const h of op.members) {
      for (const c of new Set(g.node(h).inputs)) {
        if (inside.has(c) || isLeaf(g.node(c))) continue;
        // (An edge may be fused in one operator and read in another, which recomputes the consumer.)
        const d = plan.decisions.find((x) => x.producer === c && x.consumer === h && x.outcome === 'cut');
        expect(d, `edge %${c} -> %${h} has no decision (${plan.strategy})`).toBeDefined();
        expect(d!.outcome).toBe('cut');
        expect(REASONS).toContain(d!.reason.kind);
      }
    }
  }
  // 'fused' decisions describe edges that are fused somewhere.
  for (const d of plan.decisions.filter((x) => x.outcome === 'fused')) {
    expect(plan.ops.some((o) => o.members.includes(d.producer) && o.members.includes(d.consumer!))).toBe(true);
  }
  for (const o of plan.model.outputs) expect(plan.decisions).toContainEqual({ producer: o.node, outcome: 'cut', reason: { kind: 'output' } });
}

/** A pinned node is written by one operator and computed by no other. */
function checkPinned(plan: Plan, pin: NodeId): void {
  const writers = plan.ops.filter((o) => o.outputs.includes(pin));
  expect(writers, `pinned %${pin} (${plan.strategy})`).toHaveLength(1);
  if (!plan.model.outputs.some((o) => o.node === pin)) expect(plan.materialized).toContain(pin);
  for (const o of plan.ops) if (o !== writers[0]) expect(o.members).not.toContain(pin);
  // Its consumers read it, by reason of the pin.
  for (const d of plan.decisions.filter((x) => x.producer === pin && x.consumer !== undefined)) expect(d).toMatchObject({ outcome: 'cut', reason: { kind: 'pin' } });
}

const pinnable = (m: ModelIR): NodeId[] => liveNodes(m).filter((n) => !isLeaf(n) && n.op !== 'reshape').map((n) => n.id);

describe('decisions', () => {
  it('every edge a fused plan leaves unfused has a decision with a reason (random DAGs)', () => {
    fc.assert(
      fc.property(anyModel, ({ model, dims }) => {
        for (const strategy of FUSED) checkEdgesExplained(planModel(model, dims, { strategy }));
        checkEdgesExplained(planModel(model, dims, { strategy: 'cost', limits: { ...WEBGPU_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 4 } }));
      }),
      fuzzParams(120),
    );
  });

  it('pins (graph.pin and the materialize option) are respected by every strategy (random DAGs)', () => {
    fc.assert(
      fc.property(anyModel, fc.nat(), fc.boolean(), ({ model, dims }, k, viaOption) => {
        const candidates = pinnable(model);
        fc.pre(candidates.length > 0);
        const pin = candidates[k % candidates.length]!;
        const opts: PlanOptions = viaOption ? { materialize: [pin] } : {};
        if (!viaOption) model.graph.pin(pin);
        try {
          for (const strategy of STRATEGIES) {
            const plan = planModel(model, dims, { ...opts, strategy });
            expect(validatePlan(makeContext(model, dims, WEBGPU_DEFAULT_LIMITS, DEFAULT_PROFILE, [...model.graph.pins, pin]), plan)).toEqual([]);
            checkPinned(plan, pin);
          }
        } finally {
          model.graph.pins.delete(pin);
        }
      }),
      fuzzParams(120),
    );
  });

  it('materialize() in the DSL pins a CSE that fuse-all would otherwise recompute in two operators', () => {
    let A!: T;
    const m = model('pinned', { X: f32([256, 64]) }, ({ X }) => {
      A = materialize(X.mul(2).add(1));
      return { y: A.exp().add(A.abs()), s: softmax(A) };
    });
    for (const strategy of STRATEGIES) checkPinned(planModel(m.ir, {}, { strategy }), A.node);
    // Without the pin, fuse-all computes it in both operators and writes it nowhere.
    m.ir.graph.pins.delete(A.node);
    const free = planModel(m.ir, {}, { strategy: 'fuse-all' });
    expect(free.materialized).not.toContain(A.node);
    expect(free.ops.filter((o) => o.members.includes(A.node))).toHaveLength(2);
  });

  it("a 10-input elementwise sum under maxStorageBuffersPerShaderStage 8 is split, with a 'limit' decision", () => {
    const specs = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x${i}`, f32([4096])]));
    const m = model('sum10', specs, (xs) => {
      const ts = Object.values(xs) as T[];
      return { y: ts.slice(1).reduce((acc, t) => add(acc, t) as T, ts[0]!) };
    });
    const limits = { ...WEBGPU_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 8 };
    const ctx = makeContext(m.ir, {}, limits, DEFAULT_PROFILE);
    for (const strategy of FUSED) {
      const plan = planModel(m.ir, {}, { strategy, limits });
      expect(validatePlan(ctx, plan)).toEqual([]);
      expect(plan.ops.length).toBeGreaterThanOrEqual(2);
      for (const op of plan.ops) expect(bindingsOf(ctx, op)).toBeLessThanOrEqual(8);
      const limit = plan.decisions.filter((d) => d.reason.kind === 'limit');
      expect(limit.length).toBeGreaterThan(0);
      expect(limit.map((d) => d.reason)).toContainEqual({ kind: 'limit', limit: 'maxStorageBuffersPerShaderStage', needed: 11, allowed: 8 });
      expect(explainText(plan)).toMatch(/device limit maxStorageBuffersPerShaderStage/);
    }
    // One split suffices: 7 inputs + 1 output, then the partial sum, 3 inputs and the output.
    expect(planModel(m.ir, {}, { strategy: 'cost', limits }).ops).toHaveLength(2);
    // With room for all inputs it is one operator.
    expect(planModel(m.ir, {}, { strategy: 'cost', limits: { ...limits, maxStorageBuffersPerShaderStage: 16 } }).ops).toHaveLength(1);
  });
});

describe('explain', () => {
  const m = model('explained', { X: f32([512, 128]), W: f32([128, 64]) }, ({ X, W }) => {
    const h = softmax(X);
    return { y: h.matmul(W).relu(), s: h.sum() };
  });

  it('explainJSON has the documented fields', () => {
    for (const strategy of STRATEGIES) {
      const plan = planModel(m.ir, {}, { strategy });
      const j = JSON.parse(JSON.stringify(explainJSON(plan))) as Record<string, unknown>;
      for (const k of ['strategy', 'dims', 'nodes', 'operators', 'materialized', 'decisions', 'estimatedMs', 'planningMs', 'search']) expect(j).toHaveProperty(k);
      expect(j.strategy).toBe(strategy);
      const ops = j.operators as Record<string, unknown>[];
      expect(ops).toHaveLength(plan.ops.length);
      for (const op of ops) for (const k of ['id', 'template', 'nodes', 'inputs', 'outputs', 'estimatedMs']) expect(op).toHaveProperty(k);
      expect(Object.keys(j.search as object).sort()).toEqual(['exhaustive', 'interestingPoints', 'partitions', 'plansEvaluated', 'plansPruned']);
      expect(j.estimatedMs).toBeCloseTo(plan.estimatedMs, 12);
      expect((j.materialized as { id: number }[]).map((x) => x.id)).toEqual(plan.materialized);
    }
  });

  it('explainDot draws one cluster per operator', () => {
    for (const strategy of STRATEGIES) {
      const plan = planModel(m.ir, {}, { strategy });
      const dot = explainDot(plan);
      expect(dot.match(/subgraph cluster_/g) ?? []).toHaveLength(plan.ops.length);
      expect(dot.startsWith('digraph')).toBe(true);
      expect(dot.trimEnd().endsWith('}')).toBe(true);
    }
  });

  it('explainText names every operator and the search', () => {
    const plan = planModel(m.ir, {}, { strategy: 'cost' });
    const text = explainText(plan);
    for (const op of plan.ops) expect(text).toContain(`op ${op.id}  ${op.template}`);
    expect(text).toMatch(/search: \d+ partitions, \d+ interesting points/);
  });
});

