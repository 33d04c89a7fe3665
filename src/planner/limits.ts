import type { NodeId } from '../ir/node.js';
import { isScalarConst, type PlanContext } from './context.js';
import type { FusedOp } from '../plan/plan.js';

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
 * For an operator over the binding limit: the fused member to materialize, as the edges to cut
 * into it. Materializing a member turns its subtree's distinct inputs into one input (and drops the
 * scratch buffer if the subtree holds every reduction). Preferred: the member saving the most
 * bindings whose subtree then fits the limit by itself (so one split often suffices); else the
 * one saving the most; when none saves a binding, the member with the largest subtree, so that
 * repeated splits always progress towards single ops (which fit any limit of at least 4).
 */
export function splitPoint(ctx: PlanContext, op: FusedOp, allowed = Infinity): { producer: NodeId; edges: [NodeId, NodeId][] } | null {
  const inside = new Set(op.members);
  const inputs = new Set(op.inputs);
  const reach = new Map<NodeId, Set<NodeId>>();
  const subtree = new Map<NodeId, Set<NodeId>>();
  for (const m of op.members) {
    const s = new Set<NodeId>();
    const t = new Set<NodeId>([m]);
    for (const i of ctx.node(m).inputs) {
      if (inside.has(i)) {
        for (const x of reach.get(i)!) s.add(x);
        for (const x of subtree.get(i)!) t.add(x);
      } else if (inputs.has(i) && !isScalarConst(ctx.node(i))) s.add(i);
    }
    reach.set(m, s);
    subtree.set(m, t);
  }
  const reduces = op.members.filter((m) => ctx.node(m).op === 'reduce');
  const gain = (m: NodeId): number => {
    const scratch = reduces.length > 0 && reduces.every((r) => subtree.get(m)!.has(r)) ? 1 : 0;
    return reach.get(m)!.size - 1 + scratch;
  };
  // A subtree that fits one kernel by itself (its inputs, its output, a scratch buffer if it
  // reduces) and saves the most bindings, so one split often suffices; else the largest saving.
  const fits = (m: NodeId): boolean => reach.get(m)!.size + 1 + (reduces.some((r) => subtree.get(m)!.has(r)) ? 1 : 0) <= allowed;
  let best: NodeId | null = null;
  for (const m of op.members) {
    if (op.outputs.includes(m) || gain(m) <= 0 || !fits(m)) continue;
    if (best === null || gain(m) > gain(best)) best = m;
  }
  if (best === null) {
    for (const m of op.members) {
      if (op.outputs.includes(m) || gain(m) <= 0) continue;
      if (best === null || gain(m) > gain(best)) best = m;
    }
  }
  if (best === null) {
    for (const m of op.members) {
      if (op.outputs.includes(m)) continue;
      if (best === null || subtree.get(m)!.size > subtree.get(best)!.size) best = m;
    }
  }
  if (best === null) return null;
  const b = best;
  const edges: [NodeId, NodeId][] = op.members.filter((h) => ctx.node(h).inputs.includes(b)).map((h) => [h, b]);
  return { producer: b, edges };
}
