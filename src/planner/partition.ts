import type { NodeId } from '../ir/node.js';
import { isLeaf, type PlanContext } from './context.js';
import { edgeKey, type Memo } from './memo.js';

/** A consumer -> producer edge whose cut (read from memory) or fuse (recompute) is decided by search. */
export interface InterestingPoint {
  readonly consumer: NodeId;
  readonly producer: NodeId;
  /**
   * multi-consumer: an edge of a node with several uses; template-switch: a row plan would absorb
   * a producer that has no row plan; recompute: a single-use edge whose fusion evaluates the
   * producer more often than once per element (a matmul prologue, once per tile load; a producer
   * broadcast over a larger space; a row program recomputing element values per phase) or where
   * the consumer's plans fusing it belong to different templates (the node's plan is a choice).
   */
  readonly kind: 'multi-consumer' | 'template-switch' | 'recompute';
  readonly key: string;
}

/** A connected component of nodes linked by memo references: optimized on its own. */
export interface Partition {
  readonly id: number;
  readonly nodes: ReadonlySet<NodeId>;
  /** Nodes materialized whatever the assignment: outputs, pins, nodes read outside the partition. */
  readonly roots: readonly NodeId[];
  /** Nodes outside the partition (or leaves) that it reads. */
  readonly inputs: readonly NodeId[];
  /** Intermediates with several consumers (an output counts as a consumer). */
  readonly materializationPoints: readonly NodeId[];
  readonly points: readonly InterestingPoint[];
  /** Edges always cut (edges into pinned nodes). */
  readonly fixedCuts: ReadonlySet<string>;
}

/** Edges any memo entry references, as (consumer, producer). */
function refEdges(ctx: PlanContext, memo: Memo): [NodeId, NodeId][] {
  const out: [NodeId, NodeId][] = [];
  for (const [h, es] of memo.entries) {
    const seen = new Set<NodeId>();
    for (const e of es) for (const r of e.refs) if (!seen.has(r)) (seen.add(r), out.push([h, r]));
  }
  void ctx;
  return out;
}

export function findPartitions(ctx: PlanContext, memo: Memo): Partition[] {
  const parent = new Map<NodeId, NodeId>();
  const find = (x: NodeId): NodeId => {
    let r = x;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const n of ctx.live) if (!isLeaf(n) && n.op !== 'reshape') parent.set(n.id, n.id);
  const edges = refEdges(ctx, memo);
  for (const [h, c] of edges) parent.set(find(h), find(c));
  const groups = new Map<NodeId, NodeId[]>();
  for (const id of parent.keys()) {
    const r = find(id);
    groups.set(r, [...(groups.get(r) ?? []), id]);
  }
  const refsOf = new Map<NodeId, Set<NodeId>>();
  for (const [h, c] of edges) refsOf.set(h, (refsOf.get(h) ?? new Set()).add(c));
  const parts: Partition[] = [];
  for (const members of groups.values()) {
    const nodes = new Set(members.sort((a, b) => a - b));
    const uses = (c: NodeId): number => ctx.consumers[c]!.length + (ctx.outputs.has(c) ? 1 : 0);
    const roots = members.filter((m) => ctx.outputs.has(m) || ctx.pins.has(m) || ctx.consumers[m]!.some((h) => !nodes.has(h)));
    const inputs = new Set<NodeId>();
    for (const m of members) for (const i of ctx.node(m).inputs) if (!nodes.has(i)) inputs.add(i);
    const fixedCuts = new Set<string>();
    const matPoints: NodeId[] = [];
    const points: InterestingPoint[] = [];
    for (const c of members) {
      const consumersIn = ctx.consumers[c]!.filter((h) => nodes.has(h) && refsOf.get(h)?.has(c));
      if (ctx.pins.has(c)) {
        for (const h of ctx.consumers[c]!) fixedCuts.add(edgeKey(h, c));
        continue;
      }
      if (uses(c) >= 2) {
        matPoints.push(c);
        for (const h of consumersIn) points.push({ consumer: h, producer: c, kind: 'multi-consumer', key: edgeKey(h, c) });
      } else {
        for (const h of consumersIn) {
          const kind = singleUseKind(ctx, memo, h, c);
          if (kind !== null) points.push({ consumer: h, producer: c, kind, key: edgeKey(h, c) });
        }
      }
    }
    parts.push({ id: parts.length, nodes, roots, inputs: [...inputs].sort((a, b) => a - b), materializationPoints: matPoints, points, fixedCuts });
  }
  return parts;
}

/**
 * Whether fusing the only use of `c` into `h` is a decision: it can cost more than reading `c`
 * from memory (recomputation) or changes which template covers `h`. Otherwise fusing dominates
 * (same evaluations, one write, one read and one launch fewer) and the edge is not searched.
 */
function singleUseKind(ctx: PlanContext, memo: Memo, h: NodeId, c: NodeId): InterestingPoint['kind'] | null {
  const refs = (memo.entries.get(h) ?? []).filter((e) => e.refs.includes(c));
  const childRow = (memo.entries.get(c) ?? []).some((e) => e.template === 'row');
  const rowRef = refs.some((e) => e.template === 'row');
  if (rowRef && !childRow) return 'template-switch';
  if (ctx.node(h).op === 'matmul' || rowRef) return 'recompute';
  // A product with an epilogue runs on the tiled kernel; alone it may take the cheaper unfused one.
  if (ctx.node(c).op === 'matmul') return 'recompute';
  if (ctx.sizes[c]! < ctx.sizes[h]!) return 'recompute';
  if (new Set(refs.map((e) => e.template)).size > 1) return 'recompute';
  return null;
}
