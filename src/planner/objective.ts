import type { NodeId } from '../ir/node.js';
import { opCost } from '../cost/op-cost.js';
import type { FusedOp, OpCost } from '../plan/plan.js';
import type { Builder } from './build.js';
import type { PlanContext } from './context.js';
import { mergeAggregates, mergeSiblings } from './magg.js';

/** A fused operator's estimated cost (its id is ignored). */
export type CostFn = (op: FusedOp) => OpCost;

/**
 * Operator costs cached by what determines them: template, members, outputs and inputs. Plans of
 * one partition share most of their operators, so the search prices each distinct operator once.
 */
export class OpCostCache {
  hits = 0;
  misses = 0;
  private readonly memo = new Map<string, OpCost>();

  constructor(private readonly ctx: PlanContext) {}

  readonly cost: CostFn = (op) => {
    const key = `${op.template}|${op.members.join(',')}|${op.outputs.join(',')}|${op.inputs.join(',')}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) {
      this.hits++;
      return hit.op === op.id ? hit : { ...hit, op: op.id };
    }
    this.misses++;
    const c = opCost(this.ctx, op, this.ctx.profile);
    this.memo.set(key, c);
    return c;
  };
}

/**
 * A one-member operator may run on the unfused kernel of its op instead (template `single`): for
 * some shapes that kernel is the cheaper one (a matmul narrower than the tiled kernel's 64 columns
 * pads less in 16 x 16 tiles). The choice is the cost model's.
 *
 * (A row program that is one expression closed by its only reduction could also run as a cell
 * reduction, which the model rates cheaper for long rows; that choice is left to the template
 * rule, row first: the canonical SystemML plans and the lavapipe timings behind them favour the
 * row kernel, so costing it waits on a fidelity check, see docs/planner.md "Known gaps".)
 */
export function cheaperKernel(op: FusedOp, cost: CostFn): FusedOp {
  if (op.members.length !== 1 || op.template === 'single') return op;
  const alone: FusedOp = { ...op, template: 'single' };
  return cost(alone).ms < cost(op).ms ? alone : op;
}

/**
 * The operators the search prices and the planner emits for one group of operators (a partition):
 * reductions over one space merged into multi-aggregates and sibling operators over one space
 * merged (each merge only when the cost model says it is cheaper), then each remaining one-member
 * operator on its cheaper kernel. Deterministic, so the cost of a set of cuts is one number.
 */
export function finishOperators(ctx: PlanContext, ops: readonly FusedOp[], cost: CostFn, sameGroup?: (a: FusedOp, b: FusedOp) => boolean): FusedOp[] {
  // Kernels first, so a merge is weighed against the operators at their cheapest, then again for
  // what the merges left.
  const kernels = ops.map((o) => cheaperKernel(o, cost));
  const merged = mergeSiblings(ctx, mergeAggregates(ctx, kernels, sameGroup, cost), cost, sameGroup);
  return merged.map((o) => cheaperKernel(o, cost));
}

/** Cost and bytes moved of one partition's plan under a set of cuts (the search's objective). */
export function partitionPlan(
  ctx: PlanContext,
  builder: Builder,
  cache: OpCostCache,
  cuts: ReadonlySet<string>,
  roots: readonly NodeId[],
  scope: ReadonlySet<NodeId>,
): { ops: FusedOp[]; ms: number; bytes: number } {
  const { ops } = builder.build(cuts, roots, scope);
  const finished = finishOperators(ctx, ops, cache.cost);
  let ms = 0;
  let bytes = 0;
  for (const o of finished) {
    const c = cache.cost(o);
    ms += c.ms;
    bytes += c.bytesRead + c.bytesWritten;
  }
  return { ops: finished, ms, bytes };
}
