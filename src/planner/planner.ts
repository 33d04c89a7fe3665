import { match } from 'ts-pattern';
import { planCost } from '../cost/op-cost.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../cost/profile.js';
import type { Dims, ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import { WEBGPU_DEFAULT_LIMITS } from '../ir/limits.js';
import type { DeviceLimits } from '../ir/limits.js';
import { aliasBase } from '../ir/alias.js';
import { Builder } from './build.js';
import { isLeaf, makeContext, type PlanContext } from './context.js';
import { PartitionSearch } from './enumerate.js';
import { bindingsOf, splitPoint } from './limits.js';
import { mergeAggregates, mergeSiblings } from './magg.js';
import { finishOperators, OpCostCache } from './objective.js';
import { guard, type Contender } from './guard.js';
import { choosePrecision, type PrecisionOptions } from './precision.js';
import { edgeConsumer, edgeKey, explore, type Memo } from './memo.js';
import { findPartitions, type InterestingPoint, type Partition } from './partition.js';
import type { Decision, FusedOp, Plan, SearchStats, Strategy } from '../plan/plan.js';

export interface PlanOptions {
  readonly strategy?: Strategy;
  readonly limits?: DeviceLimits;
  readonly profile?: DeviceProfile;
  /** Nodes to keep materialized (never fused into a consumer), besides DSL pins. */
  readonly materialize?: readonly NodeId[];
  /** Plans costed per partition before the exact search stops (default DEFAULT_SEARCH_BUDGET). */
  readonly searchBudget?: number;
  /**
   * Instead of the strategy's choice, cut exactly these interesting points (edge keys
   * `consumer<-producer`, see partition.ts) and fuse the others; construction, limits and
   * multi-aggregate merging are as usual. For cost-model fidelity checks and what-if plans.
   */
  readonly cuts?: Iterable<string>;
  /** An error budget: intermediates may then be stored as f16 (precision.ts); default all f32. */
  readonly precision?: PrecisionOptions;
}

/** Plans a model: which ops run fused in which kernels, by the chosen strategy. */
export function planModel(model: ModelIR, dims: Dims, opts: PlanOptions = {}): Plan {
  const t0 = performance.now();
  const strategy = opts.strategy ?? 'cost';
  const pins = [...model.graph.pins, ...(opts.materialize ?? [])];
  const ctx = makeContext(model, dims, opts.limits ?? WEBGPU_DEFAULT_LIMITS, opts.profile ?? DEFAULT_PROFILE, pins);
  const memo = explore(ctx);
  const parts = findPartitions(ctx, memo);
  const decisions: Decision[] = [];
  let search: SearchStats = { partitions: parts.length, interestingPoints: parts.reduce((s, p) => s + p.points.length, 0), plansEvaluated: 0, plansPruned: 0, exhaustive: true };
  let ops: FusedOp[];
  if (strategy === 'none') {
    ops = unfused(ctx);
    search = { ...search, partitions: 0, interestingPoints: 0 };
  } else {
    const builder = new Builder(ctx, memo);
    const cache = new OpCostCache(ctx);
    const fixed = new Set(parts.flatMap((p) => [...p.fixedCuts]));
    const chosen = new Set<string>(fixed);
    const pointReason = new Map<string, Decision['reason']>();
    const pointFused = new Map<string, Decision['reason']>();
    const given = opts.cuts === undefined ? null : new Set(opts.cuts);
    const near: (Contender & { part: Partition })[] = [];
    // The guard's pinned re-solves share one budget per plan, so a large model degrades to
    // unsolved pins (the answer plus the pin) instead of planning for seconds.
    let left = PIN_SEARCH_TOTAL;
    for (const part of parts) {
      if (given !== null) {
        for (const p of part.points) (given.has(p.key) ? (chosen.add(p.key), pointReason) : pointFused).set(p.key, { kind: 'strategy', strategy });
        continue;
      }
      match(strategy)
        .with('fuse-all', () => part.points.forEach((p) => pointFused.set(p.key, { kind: 'strategy', strategy })))
        .with('fuse-no-redundancy', () => {
          for (const p of part.points) {
            if (p.kind !== 'multi-consumer') continue;
            chosen.add(p.key);
            pointReason.set(p.key, { kind: 'strategy', strategy });
          }
        })
        .with('cost', () => {
          const s = new PartitionSearch(ctx, memo, builder, part, cache);
          if (opts.searchBudget !== undefined) s.budget = opts.searchBudget;
          const r = s.solve();
          search = {
            ...search,
            plansEvaluated: search.plansEvaluated + r.evaluated,
            plansPruned: search.plansPruned + r.pruned,
            exhaustive: search.exhaustive && r.exhaustive,
          };
          const solver = r.exhaustive
            ? (pinned: ReadonlySet<string>, bound: number) => {
                if (left <= 0) return null;
                const before = s.evaluated;
                const solved = s.solvePinned(pinned, bound, Math.min(left, PIN_SEARCH_BUDGET));
                left -= s.evaluated - before;
                return solved;
              }
            : null;
          const g = guard((c) => s.cost(c), memo, part, r.cut, r.ms, ctx.profile.launchMs, solver);
          near.push(...g.near.map((c) => ({ ...c, part })));
          if (g.winner !== null) {
            for (const k of g.cut) if (!r.cut.has(k)) pointReason.set(k, { kind: 'cost', chosenMs: g.ms, alternativeMs: r.ms, by: 'guard', contender: g.winner });
            for (const k of r.cut) if (!g.cut.has(k)) pointFused.set(k, { kind: 'cost', chosenMs: g.ms, alternativeMs: r.ms, by: 'guard', contender: g.winner });
          }
          recordPointDecisions(part, g.cut, g.ms, r.exhaustive, s, pointReason, pointFused);
          for (const k of g.cut) chosen.add(k);
        })
        .exhaustive();
    }
    const partOf = new Map<NodeId, number>();
    for (const p of parts) for (const n of p.nodes) partOf.set(n, p.id);
    let a = assemble(ctx, builder, cache, partOf, chosen);
    // The global guard: a pin the partition's search priced within two launches of its best may win
    // once operators merge across partitions; those few are priced on the whole plan.
    const globals: Contender[] = [
      { name: 'fuse-all', cut: fixed },
      { name: 'fuse-no-redundancy', cut: new Set([...fixed, ...parts.flatMap((p) => p.points.filter((q) => q.kind === 'multi-consumer').map((q) => q.key))]) },
    ];
    const pinned = strategy === 'cost' && given === null ? near.slice(0, GLOBAL_GUARD_MAX) : [];
    const guarded = strategy === 'cost' && given === null ? globals.map((c) => ({ name: c.name, cuts: (): ReadonlySet<string> => c.cut })) : [];
    // A pinned plan replaces its partition's cuts; the others keep the search's (and, where a
    // baseline or another pin has won meanwhile, the current plan's, tried second).
    const within = (base: ReadonlySet<string>, c: (typeof near)[number]): Set<string> =>
      new Set([...fixed, ...[...base].filter((k) => !c.part.nodes.has(edgeConsumer(k))), ...c.cut]);
    for (const c of pinned) guarded.push({ name: c.name, cuts: () => within(chosen, c) });
    // Against the current plan, in rounds while one wins: two pins of different partitions can
    // merge into a plan neither gives alone.
    for (let round = 0, won = true; won && round < GLOBAL_GUARD_ROUNDS; round++) {
      won = false;
      const contenders = [...guarded.splice(0), ...pinned.map((c) => ({ name: c.name, cuts: () => within(a.cuts, c) }))];
      for (const c of contenders) {
        const cuts = c.cuts();
        const b = assemble(ctx, builder, cache, partOf, cuts);
        if (b.ms >= a.ms - 1e-9 * Math.max(1, a.ms)) continue;
        const reason = { kind: 'cost', chosenMs: b.ms, alternativeMs: a.ms, by: 'guard', contender: `${c.name} (with merges across partitions)` } as const;
        for (const k of cuts) if (!a.cuts.has(k)) pointReason.set(k, reason);
        for (const k of a.cuts) if (!cuts.has(k)) pointFused.set(k, reason);
        a = b;
        won = true;
      }
    }
    ops = a.ops;
    decisions.push(...explainEdges(ctx, memo, ops, pointReason, pointFused, a.limitCuts, a.forcedCuts));
  }
  ops = topoOrder(ops, (id) => aliasBase(ctx, id)).map((o, i) => ({ ...o, id: i }));
  for (const o of model.outputs) decisions.push({ producer: o.node, outcome: 'cut', reason: { kind: 'output' } });
  const { costs, ms } = planCost(ctx, ops, ctx.profile);
  const materialized = [...new Set(ops.flatMap((o) => o.outputs))].filter((n) => !ctx.outputs.has(n)).sort((a, b) => a - b);
  const plan: Plan = {
    strategy,
    model,
    dims,
    shapes: ctx.shapes,
    ops,
    materialized,
    decisions,
    costs,
    estimatedMs: ms,
    planningMs: performance.now() - t0,
    search,
  };
  if (opts.precision === undefined) return plan;
  return { ...choosePrecision(plan, ctx.profile, opts.precision), planningMs: performance.now() - t0 };
}

/**
 * Plans costed per pinned re-solve in the guard. The re-solve only looks for plans within two
 * launches of the best, so many assignments are pruned by the bound; past these budgets a pin
 * is guarded as the search's plan plus the pin, and `materialize: [id]` can then beat the plan.
 */
const PIN_SEARCH_BUDGET = 512;
/** Plans costed by all pinned re-solves of one plan, at most (then pins are only added). */
const PIN_SEARCH_TOTAL = 2048;

/** Rounds of the global guard against the current plan, at most. */
const GLOBAL_GUARD_ROUNDS = 3;

/** Contenders the global guard prices on the whole plan, at most. */
const GLOBAL_GUARD_MAX = 16;

/**
 * The whole plan for a set of cuts: construction within the device limits, merges and kernel
 * choices within each partition (exactly as PartitionSearch priced them), then merges across
 * partitions (operators that only share inputs).
 */
function assemble(ctx: PlanContext, builder: Builder, cache: OpCostCache, partOf: ReadonlyMap<NodeId, number>, cuts: ReadonlySet<string>) {
  const limitCuts = new Map<string, Decision['reason']>();
  const forcedCuts = new Map<string, Decision['reason']>();
  const all = new Set(cuts);
  let ops = buildWithinLimits(ctx, builder, all, limitCuts, forcedCuts);
  ops = finishOperators(ctx, ops, cache.cost, (a, b) => partOf.get(a.members[0]!) === partOf.get(b.members[0]!));
  ops = mergeAggregates(ctx, ops, undefined, cache.cost);
  ops = mergeSiblings(ctx, ops, cache.cost);
  const ms = ops.reduce((s, o) => s + cache.cost(o).ms, 0);
  return { ops, ms, cuts: all as ReadonlySet<string>, limitCuts, forcedCuts };
}

function unfused(ctx: PlanContext): FusedOp[] {
  return ctx.live
    .filter((n) => !isLeaf(n) && n.op !== 'reshape')
    .map((n, i) => ({ id: i, template: 'single' as const, members: [n.id], outputs: [n.id], inputs: [...new Set(n.inputs)].sort((a, b) => a - b) }));
}

/** Builds, then cuts into any operator over the storage-binding limit until all fit. */
function buildWithinLimits(
  ctx: PlanContext,
  builder: Builder,
  cuts: Set<string>,
  limitCuts: Map<string, Decision['reason']>,
  forcedCuts: Map<string, Decision['reason']>,
): FusedOp[] {
  const allowed = ctx.limits.maxStorageBuffersPerShaderStage;
  const roots = [...ctx.outputs, ...ctx.pins];
  for (;;) {
    const { ops, forced } = builder.build(cuts, roots);
    const over = ops.find((o) => bindingsOf(ctx, o) > allowed);
    if (over === undefined) {
      for (const [k, rule] of forced) forcedCuts.set(k, { kind: 'template', rule });
      return ops;
    }
    const split = splitPoint(ctx, over, allowed);
    if (split === null) throw new Error(`planner: operator rooted at %${over.outputs[0]} needs ${bindingsOf(ctx, over)} storage buffers and cannot be split below ${allowed}`);
    for (const [h, c] of split.edges) {
      cuts.add(edgeKey(h, c));
      limitCuts.set(edgeKey(h, c), { kind: 'limit', limit: 'maxStorageBuffersPerShaderStage', needed: bindingsOf(ctx, over), allowed });
    }
  }
}

function recordPointDecisions(
  part: Partition,
  cut: ReadonlySet<string>,
  ms: number,
  exact: boolean,
  s: PartitionSearch,
  cutReason: Map<string, Decision['reason']>,
  fusedReason: Map<string, Decision['reason']>,
): void {
  // The alternative of a cut point: the same assignment with that point fused. Of a fused point:
  // the producer materialized for real, i.e. every point on it cut (as materialize() would do) --
  // cutting one edge alone is often healed by another path fusing the producer anyway.
  // Heuristic partitions get the same two costs, labelled as not proven optimal.
  const by = exact ? 'exact' : 'heuristic';
  for (const p of part.points as InterestingPoint[]) {
    if (cutReason.has(p.key) || fusedReason.has(p.key)) continue;
    const flipped = new Set(cut);
    if (flipped.has(p.key)) flipped.delete(p.key);
    else for (const q of part.points) if (q.producer === p.producer) flipped.add(q.key);
    const alternativeMs = s.cost(flipped);
    (cut.has(p.key) ? cutReason : fusedReason).set(p.key, { kind: 'cost', chosenMs: ms, alternativeMs, by });
  }
}

/** For every edge left unfused in the final plan (and every interesting point fused), why. */
function explainEdges(
  ctx: PlanContext,
  memo: Memo,
  ops: readonly FusedOp[],
  pointCut: ReadonlyMap<string, Decision['reason']>,
  pointFused: ReadonlyMap<string, Decision['reason']>,
  limitCuts: ReadonlyMap<string, Decision['reason']>,
  forcedCuts: ReadonlyMap<string, Decision['reason']>,
): Decision[] {
  // Keyed by edge and outcome: an edge can be fused in one operator and read in another (which
  // recomputes the consumer with a plan that does not fuse it).
  const out = new Map<string, Decision>();
  for (const op of ops) {
    const inside = new Set(op.members);
    for (const h of op.members) {
      for (const c of new Set(ctx.node(h).inputs)) {
        const cn = ctx.node(c);
        const key = edgeKey(h, c);
        if (inside.has(c)) {
          const r = pointFused.get(key);
          if (r) out.set(`${key}|fused`, { producer: c, consumer: h, outcome: 'fused', reason: r });
          continue;
        }
        if (isLeaf(cn)) continue;
        const reason: Decision['reason'] = ctx.pins.has(c)
          ? { kind: 'pin' }
          : (limitCuts.get(key) ??
            pointCut.get(key) ??
            forcedCuts.get(key) ??
            (memo.rejected.has(key)
              ? { kind: 'template', rule: memo.rejected.get(key)! }
              : { kind: 'template', rule: `the ${op.template} plan chosen at %${h} reads it (a plan fusing it would not be valid or ranks lower)` }));
        out.set(`${key}|cut`, { producer: c, consumer: h, outcome: 'cut', reason });
      }
    }
  }
  return [...out.values()];
}

/** Orders operators so each runs after the producers of its inputs. */
export function topoOrder(ops: readonly FusedOp[], resolve: (id: NodeId) => NodeId = (id) => id): FusedOp[] {
  const producer = new Map<NodeId, FusedOp>();
  for (const o of ops) for (const out of o.outputs) producer.set(out, o);
  const done = new Set<FusedOp>();
  const order: FusedOp[] = [];
  const visiting = new Set<FusedOp>();
  const visit = (o: FusedOp): void => {
    if (done.has(o)) return;
    if (visiting.has(o)) throw new Error('planner: cycle between fused operators');
    visiting.add(o);
    for (const i of o.inputs) {
      const p = producer.get(resolve(i));
      if (p && p !== o) visit(p);
    }
    visiting.delete(o);
    done.add(o);
    order.push(o);
  };
  for (const o of [...ops].sort((a, b) => Math.min(...a.outputs) - Math.min(...b.outputs))) visit(o);
  return order;
}
