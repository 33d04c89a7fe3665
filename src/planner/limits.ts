import type { NodeId } from '../ir/node.js';
import { isScalarConst, type PlanContext } from './context.js';
import type { FusedOp } from './plan.js';

/**
 * Storage buffers a fused operator's kernel binds: its inputs (scalar constants are literals),
 * its outputs, and one scratch buffer of partials when it reduces (two-pass reductions).
 */
export function bindingsOf(ctx: PlanContext, op: FusedOp): number {
  const reads = op.inputs.filter((i) => !isScalarConst(ctx.node(i))).length;
  const reduces = op.members.some((m) => ctx.node(m).op === 'reduce') ? 1 : 0;
  return reads + op.outputs.length + reduces;
}

/**
 * For an operator over the binding limit: the fused member whose materialization removes the
 * most inputs (its subtree's distinct inputs become one), as the edges to cut into it.
 */
export function splitPoint(ctx: PlanContext, op: FusedOp): { producer: NodeId; edges: [NodeId, NodeId][] } | null {
  const inside = new Set(op.members);
  const inputs = new Set(op.inputs);
  const reach = new Map<NodeId, Set<NodeId>>();
  for (const m of op.members) {
    const s = new Set<NodeId>();
    for (const i of ctx.node(m).inputs) {
      if (inside.has(i)) for (const x of reach.get(i)!) s.add(x);
      else if (inputs.has(i) && !isScalarConst(ctx.node(i))) s.add(i);
    }
    reach.set(m, s);
  }
  let best: NodeId | null = null;
  for (const m of op.members) {
    if (op.outputs.includes(m)) continue;
    const gain = reach.get(m)!.size - 1;
    if (gain > 0 && (best === null || gain > reach.get(best)!.size - 1)) best = m;
  }
  if (best === null) return null;
  const edges: [NodeId, NodeId][] = op.members.filter((h) => ctx.node(h).inputs.includes(best)).map((h) => [h, best]);
  return { producer: best, edges };
}
