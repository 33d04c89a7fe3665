import type { NodeId } from '../ir/node.js';
import { opCost } from '../cost/op-cost.js';
import type { PlanContext } from './context.js';
import { dependsOn, viewOf } from './build.js';
import { bindingsOf } from './limits.js';
import type { FusedOp } from './plan.js';

/**
 * Horizontal fusion into multi-aggregate operators: reductions with the same operand shape and
 * the same axes, neither depending on the other, are computed in one pass when the estimated
 * cost of the merged operator beats the two apart (shared inputs are read once, one launch fewer)
 * and the merged kernel stays within the storage-binding limit.
 */
export function mergeAggregates(ctx: PlanContext, ops: readonly FusedOp[]): FusedOp[] {
  let cur = ops.slice();
  const signature = (o: FusedOp): string | null => {
    if (o.template !== 'cell' && o.template !== 'magg') return null;
    const reds = o.outputs.map((x) => ctx.node(x));
    if (reds.length === 0 || reds.some((n) => n.op !== 'reduce')) return null;
    const sigs = new Set(reds.map((n) => (n.op === 'reduce' ? `${ctx.shapes[n.inputs[0]!]!.join('x')}|${n.axes.join(',')}` : '')));
    return sigs.size === 1 ? [...sigs][0]! : null;
  };
  let merged = true;
  while (merged) {
    merged = false;
    search: for (let i = 0; i < cur.length; i++) {
      const a = cur[i]!;
      const sa = signature(a);
      if (sa === null) continue;
      for (let j = i + 1; j < cur.length; j++) {
        const b = cur[j]!;
        if (signature(b) !== sa || dependsOn(cur, a, b, (id) => viewOf(ctx, id)) || dependsOn(cur, b, a, (id) => viewOf(ctx, id))) continue;
        const m = union(a, b);
        if (bindingsOf(ctx, m) > ctx.limits.maxStorageBuffersPerShaderStage) continue;
        const p = ctx.profile;
        if (opCost(ctx, m, p).ms >= opCost(ctx, a, p).ms + opCost(ctx, b, p).ms) continue;
        cur = cur.filter((o) => o !== a && o !== b);
        cur.splice(i, 0, m);
        merged = true;
        break search;
      }
    }
  }
  return cur;
}

function union(a: FusedOp, b: FusedOp): FusedOp {
  const sorted = (s: Iterable<NodeId>): NodeId[] => [...new Set(s)].sort((x, y) => x - y);
  const members = sorted([...a.members, ...b.members]);
  const inside = new Set(members);
  return {
    id: a.id,
    template: 'magg',
    members,
    outputs: sorted([...a.outputs, ...b.outputs]),
    inputs: sorted([...a.inputs, ...b.inputs].filter((x) => !inside.has(x))),
  };
}
