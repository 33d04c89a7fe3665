/** Shared helpers for the planner tests: looking things up in a Plan by node. */
import { planCost } from '../../src/cost/op-cost.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../../src/cost/profile.js';
import type { Dims, ModelIR } from '../../src/ir/model.js';
import { liveNodes } from '../../src/ir/model.js';
import { planModel } from '../../src/planner/planner.js';
import type { NodeId } from '../../src/ir/node.js';
import { Builder } from '../../src/planner/build.js';
import { isScalarConst, makeContext, type PlanContext } from '../../src/planner/context.js';
import { finishOperators, OpCostCache } from '../../src/planner/objective.js';
import { explore, type Memo } from '../../src/planner/memo.js';
import { findPartitions, type Partition } from '../../src/planner/partition.js';
import type { Decision, FusedOp, Plan } from '../../src/plan/plan.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import type { DeviceLimits } from '../../src/ir/limits.js';

export const templates = (p: Plan): string[] => p.ops.map((o) => o.template);
/** The operators that compute `n` (a node fused into several is recomputed in each). */
export const opsComputing = (p: Plan, n: NodeId): FusedOp[] => p.ops.filter((o) => o.members.includes(n));
/** The operator that writes `n` to memory. */
export const writerOf = (p: Plan, n: NodeId): FusedOp | undefined => p.ops.find((o) => o.outputs.includes(n));
/** An operator's inputs that are buffers (scalar constants are literals in the kernel). */
export const bufferInputs = (p: Plan, o: FusedOp): NodeId[] => o.inputs.filter((i) => !isScalarConst(p.model.graph.node(i)));
export const decision = (p: Plan, producer: NodeId, consumer: NodeId): Decision | undefined =>
  p.decisions.find((d) => d.producer === producer && d.consumer === consumer);

/** The planner's inputs, exactly as planModel sets them up. */
export interface Setup {
  readonly ctx: PlanContext;
  readonly memo: Memo;
  readonly parts: Partition[];
  readonly builder: Builder;
}
export function setup(model: ModelIR, dims: Dims, opts: { limits?: DeviceLimits; profile?: DeviceProfile; materialize?: readonly NodeId[] } = {}): Setup {
  const ctx = makeContext(model, dims, opts.limits ?? WEBGPU_DEFAULT_LIMITS, opts.profile ?? DEFAULT_PROFILE, [...model.graph.pins, ...(opts.materialize ?? [])]);
  const memo = explore(ctx);
  return { ctx, memo, parts: findPartitions(ctx, memo), builder: new Builder(ctx, memo) };
}

/**
 * The search's objective for a whole model under a set of cuts: the operators the builder makes
 * (roots = outputs and pins, plus the fixed cuts of pins), each partition's operators merged into
 * multi-aggregates as PartitionSearch prices them, summed with planCost. An operator's members all
 * lie in one partition, so grouping by any member is exact.
 */
export function objective(s: Setup, cuts: Iterable<string>): number {
  const all = new Set<string>([...cuts, ...s.parts.flatMap((p) => [...p.fixedCuts])]);
  const { ops } = s.builder.build(all, [...s.ctx.outputs, ...s.ctx.pins]);
  const partOf = new Map<NodeId, number>();
  for (const p of s.parts) for (const n of p.nodes) partOf.set(n, p.id);
  const groups = new Map<number, FusedOp[]>();
  for (const o of ops) {
    const k = partOf.get(o.members[0]!)!;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  let ms = 0;
  const cache = new OpCostCache(s.ctx);
  for (const g of groups.values()) ms += planCost(s.ctx, finishOperators(s.ctx, g, cache.cost), s.ctx.profile).ms;
  return ms;
}

const REL = 1e-9;

/**
 * The cost strategy's invariant: its estimate is at most every baseline's and every single pin's.
 * Every violation of the invariant, in words (empty when it holds).
 */
export function invariantViolations(model: ModelIR, dims: Dims): string[] {
  const cost = planModel(model, dims, { strategy: 'cost' }).estimatedMs;
  const worse = (ms: number): boolean => cost > ms * (1 + REL) + 1e-12;
  const out: string[] = [];
  for (const strategy of ['none', 'fuse-all', 'fuse-no-redundancy'] as const) {
    const ms = planModel(model, dims, { strategy }).estimatedMs;
    if (worse(ms)) out.push(`${strategy} ${ms} < cost ${cost}`);
  }
  for (const n of liveNodes(model)) {
    if (n.op === 'input' || n.op === 'const' || n.op === 'reshape') continue;
    const ms = planModel(model, dims, { strategy: 'cost', materialize: [n.id] }).estimatedMs;
    if (worse(ms)) out.push(`materialize %${n.id} ${ms} < cost ${cost}`);
  }
  return out;
}

