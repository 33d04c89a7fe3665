import type { Node, NodeId } from '../ir/node.js';
import { opCost } from '../cost/op-cost.js';
import { aliasBase } from '../ir/alias.js';
import { computedFrom } from './build.js';
import { isLeaf, type PlanContext } from './context.js';
import { bindingsOf } from './limits.js';
import type { FusedOp } from '../plan/plan.js';

/**
 * Horizontal fusion into multi-aggregate operators: reductions with the same operand shape and
 * the same axes, neither depending on the other, are computed in one pass when the estimated
 * cost of the merged operator beats the two apart (shared inputs are read once, one launch fewer)
 * and the merged kernel stays within the storage-binding limit. `sameGroup` restricts which pairs
 * may merge (the planner merges within partitions first, as the search priced them).
 */
export function mergeAggregates(ctx: PlanContext, ops: readonly FusedOp[], sameGroup: (a: FusedOp, b: FusedOp) => boolean = () => true, cost: OpCostFn = defaultCost(ctx)): FusedOp[] {
  return mergeOperators(ctx, ops, false, sameGroup, cost);
}

type OpCostFn = (op: FusedOp) => { readonly ms: number };
const defaultCost = (ctx: PlanContext): OpCostFn => (op) => opCost(ctx, op, ctx.profile);

/**
 * Horizontal fusion of siblings: row programs over the same row space, and
 * elementwise cell operators over the same iteration space, that neither depend on each other,
 * become one operator with both outputs when that is cheaper (shared inputs and shared members
 * are then read and computed once; e.g. a softmax's probabilities and its cross-entropy).
 * The search prices these merges within a partition (objective.ts); the planner then merges across
 * partitions too, which can only lower the plan's cost.
 */
export function mergeSiblings(ctx: PlanContext, ops: readonly FusedOp[], cost: OpCostFn = defaultCost(ctx), sameGroup: (a: FusedOp, b: FusedOp) => boolean = () => true): FusedOp[] {
  return mergeOperators(ctx, ops, true, sameGroup, cost);
}

function mergeOperators(ctx: PlanContext, ops: readonly FusedOp[], siblings: boolean, sameGroup: (a: FusedOp, b: FusedOp) => boolean, cost: OpCostFn): FusedOp[] {
  let cur = ops.slice();
  const sigs = new Map<FusedOp, string | null>();
  const signature = (o: FusedOp): string | null => {
    let s = sigs.get(o);
    if (s !== undefined) return s;
    s = null;
    const nodes = o.members.map((x) => ctx.node(x));
    if (o.template === 'cell' || o.template === 'magg') {
      const reds = o.outputs.map((x) => ctx.node(x));
      if (reds.length > 0 && reds.every((n) => n.op === 'reduce')) {
        const set = new Set(reds.map((n) => (n.op === 'reduce' ? `agg|${ctx.shapes[n.inputs[0]!]!.join('x')}|${n.axes.join(',')}` : '')));
        if (set.size === 1) s = [...set][0]!;
      } else if (siblings && o.template === 'cell' && !nodes.some((n) => n.op === 'reduce' || n.op === 'transpose')) {
        s = `cell|${ctx.shapes[o.outputs[0]!]!.join('x')}`;
      }
    } else if (siblings && o.template === 'row') {
      const r = nodes.find((n) => n.op === 'reduce');
      if (r !== undefined) s = `row|${ctx.shapes[r.inputs[0]!]!.join('x')}`;
    }
    sigs.set(o, s);
    return s;
  };
  const external = externalWaits(ctx, ops);
  let merged = true;
  while (merged) {
    merged = false;
    // Neither may wait for the other: checked on the graph, then on the operators at hand, where
    // an input no operator at hand produces (another partition's) waits for the operators whose
    // outputs it is computed from (a partition costed alone does not see those operators).
    const producer = new Map<NodeId, FusedOp>();
    for (const o of cur) for (const out of o.outputs) producer.set(out, o);
    // The operators each one waits for (transitively), computed once per operator and round.
    const reach = new Map<FusedOp, Set<FusedOp>>();
    const waitsFor = (a: FusedOp, b: FusedOp): boolean => {
      let seen = reach.get(a);
      if (seen === undefined) {
        seen = new Set<FusedOp>();
        const stack = [a];
        while (stack.length > 0) {
          const x = stack.pop()!;
          for (const i of x.inputs) {
            const base = aliasBase(ctx, i);
            const p = producer.get(base);
            for (const q of p !== undefined ? [p] : external(base).map((z) => producer.get(z)!)) {
              if (seen.has(q)) continue;
              seen.add(q);
              stack.push(q);
            }
          }
        }
        reach.set(a, seen);
      }
      return seen.has(b);
    };
    const independent = (a: FusedOp, b: FusedOp): boolean => !readsFrom(ctx, a, b) && !readsFrom(ctx, b, a) && !waitsFor(a, b) && !waitsFor(b, a);
    search: for (let i = 0; i < cur.length; i++) {
      const a = cur[i]!;
      const sa = signature(a);
      if (sa === null) continue;
      for (let j = i + 1; j < cur.length; j++) {
        const b = cur[j]!;
        if (signature(b) !== sa || !sameGroup(a, b) || !independent(a, b)) continue;
        const m = union(a, b, sa);
        if (bindingsOf(ctx, m) > ctx.limits.maxStorageBuffersPerShaderStage) continue;
        // A transpose reads its operand from memory: never merge in an operator that computes it.
        if (transposesComputed(ctx, m)) continue;
        if (cost(m).ms >= cost(a).ms + cost(b).ms) continue;
        cur = cur.filter((o) => o !== a && o !== b);
        cur.splice(i, 0, m);
        merged = true;
        break search;
      }
    }
  }
  return cur;
}

/**
 * For a value read from outside the operators (another partition's, or a leaf), the outputs of
 * these operators it waits for: those read by an outside node it is (computed from). Outside
 * operators read a partition's values from memory (no fusion crosses partitions), so the value's
 * operator runs after the writers of those outputs, whatever the other partitions' plans.
 */
function externalWaits(ctx: PlanContext, ops: readonly FusedOp[]): (x: NodeId) => NodeId[] {
  const inside = new Set(ops.flatMap((o) => o.members));
  const readers: [NodeId, NodeId][] = [];
  for (const z of new Set(ops.flatMap((o) => o.outputs))) for (const w of ctx.consumers[z] ?? []) if (!inside.has(w)) readers.push([z, w]);
  const memo = new Map<NodeId, NodeId[]>();
  return (x) => {
    let zs = memo.get(x);
    if (zs === undefined) {
      zs = isLeaf(ctx.node(x)) ? [] : [...new Set(readers.filter(([, w]) => w === x || computedFrom(ctx, x, w)).map(([z]) => z))];
      memo.set(x, zs);
    }
    return zs;
  };
}

/**
 * The merge signatures an operator holding `n` may have (mergeOperators' `signature`, per node):
 * a reduction can close a multi-aggregate over its operand's space and a row program over its
 * rows; any other node but a product or a transpose can be an elementwise cell's output. Two
 * operators can only merge if some members share one of these.
 */
export function nodeMergeSignatures(ctx: PlanContext, n: Node): string[] {
  if (n.op === 'reduce') {
    const inShape = ctx.shapes[n.inputs[0]!]!.join('x');
    return [`agg|${inShape}|${n.axes.join(',')}`, `row|${inShape}`];
  }
  if (isLeaf(n) || n.op === 'matmul' || n.op === 'transpose') return [];
  return [`cell|${ctx.shapes[n.id]!.join('x')}`];
}

/** Whether some non-leaf input of `a` is (computed from) an output of `b`. */
function readsFrom(ctx: PlanContext, a: FusedOp, b: FusedOp): boolean {
  return a.inputs.some((i) => {
    const x = aliasBase(ctx, i);
    return !isLeaf(ctx.node(x)) && b.outputs.some((o) => o === x || computedFrom(ctx, x, o));
  });
}

/** Reductions merge into a multi-aggregate; row programs and elementwise cells keep their template. */
function union(a: FusedOp, b: FusedOp, sig: string): FusedOp {
  const template = sig.startsWith('row|') ? 'row' : sig.startsWith('cell|') ? 'cell' : 'magg';
  const sorted = (s: Iterable<NodeId>): NodeId[] => [...new Set(s)].sort((x, y) => x - y);
  const members = sorted([...a.members, ...b.members]);
  const inside = new Set(members);
  return {
    id: a.id,
    template,
    members,
    outputs: sorted([...a.outputs, ...b.outputs]),
    inputs: sorted([...a.inputs, ...b.inputs].filter((x) => !inside.has(x))),
  };
}

/** Whether a transpose member's operand is also a member (so it would not be read from memory). */
function transposesComputed(ctx: PlanContext, op: FusedOp): boolean {
  const inside = new Set(op.members);
  return op.members.some((m) => {
    const n = ctx.node(m);
    return n.op === 'transpose' && inside.has(aliasBase(ctx, n.inputs[0]!));
  });
}
