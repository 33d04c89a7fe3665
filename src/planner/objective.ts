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
 * Operators that more than one template's kernel can run, on the cheapest: a one-member operator
 * on the unfused kernel of its op (a matmul narrower than the tiled kernel's 64 columns pads less
 * in 16 x 16 tiles), and a row program that is one elementwise expression closed by its only
 * reduction on the cell reduction kernel (which streams at a higher bandwidth share when a lane
 * needs no row cache). The choice is the cost model's.
 */
export function cheaperKernel(ctx: PlanContext, op: FusedOp, cost: CostFn): FusedOp {
  const options: FusedOp[] = [op];
  if (op.members.length === 1 && op.template !== 'single') options.push({ ...op, template: 'single' });
  if (op.template === 'row' && isClosedCell(ctx, op)) options.push({ ...op, template: 'cell' });
  let best = op;
  for (const o of options) if (cost(o).ms < cost(best).ms) best = o;
  return best;
}

const ELEMENTWISE = new Set(['unary', 'binary', 'where', 'broadcast']);
/** Elementwise members closed by one reduction that is the only output (a cell reduction). */
function isClosedCell(ctx: PlanContext, op: FusedOp): boolean {
  const root = op.members[op.members.length - 1]!;
  return (
    op.outputs.length === 1 &&
    op.outputs[0] === root &&
    ctx.node(root).op === 'reduce' &&
    op.members.every((m) => m === root || ELEMENTWISE.has(ctx.node(m).op))
  );
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
  const kernels = ops.map((o) => cheaperKernel(ctx, o, cost));
  const merged = mergeSiblings(ctx, mergeAggregates(ctx, kernels, sameGroup, cost), cost, sameGroup);
  return merged.map((o) => cheaperKernel(ctx, o, cost));
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
