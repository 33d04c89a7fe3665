import type { NodeId } from '../ir/node.js';
import type { ConcreteShape } from '../ir/shape.js';
import { isLeaf, type PlanContext } from './context.js';
import { edgeKey, type Memo, type MemoEntry, type MemoTemplate } from './memo.js';
import type { FusedOp, Template } from './plan.js';

/**
 * Construction: turns the memo table plus a set of cut edges into fused operators. From every node
 * that must be materialized (outputs, pins, producers read across a cut or unfusable edge), pick
 * its best valid entry (most fused inputs, then template rank) and pull in the fused inputs
 * through their own best compatible entries. A node pulled into several operators is recomputed
 * in each; an operator that computes a node another operator would only materialize writes it
 * itself (absorption), so a materialized CSE costs one kernel less.
 */
export interface BuildResult {
  readonly ops: FusedOp[];
  /** Non-leaf nodes written to memory. */
  readonly materialized: Set<NodeId>;
}

const RANK: Readonly<Record<MemoTemplate, number>> = { matmul: 3, row: 2, cell: 1 };
const sameShape = (a: ConcreteShape | null, b: ConcreteShape | null): boolean =>
  a !== null && b !== null && a.length === b.length && a.every((d, i) => d === b[i]);

/** Which child entries can serve a parent entry's reference. */
function compatible(parent: MemoEntry, parentIsMatmul: boolean, child: MemoEntry): boolean {
  if (child.closed) return false;
  switch (parent.template) {
    case 'cell':
      return child.template === 'cell';
    case 'row':
      return child.template === 'cell' || (child.template === 'row' && sameShape(child.space, parent.space));
    case 'matmul':
      return child.template === 'cell' || (!parentIsMatmul && child.template === 'matmul' && sameShape(child.space, parent.space));
  }
}

const score = (e: MemoEntry): number => e.refs.length * 10 + RANK[e.template];

export class Builder {
  /** Valid entries per node under the current cuts, best first. */
  private valid = new Map<NodeId, MemoEntry[]>();

  constructor(
    private readonly ctx: PlanContext,
    private readonly memo: Memo,
  ) {}

  /**
   * Builds operators for `roots` (and whatever they force to be materialized). `scope` limits
   * validity computation to a partition when costing one partition alone.
   */
  build(cuts: ReadonlySet<string>, roots: Iterable<NodeId>, scope?: ReadonlySet<NodeId>): BuildResult {
    this.computeValid(cuts, scope);
    const materialized = new Set<NodeId>();
    const queue: NodeId[] = [];
    const need = (id: NodeId): void => {
      let n = this.ctx.node(id);
      // A reshape is a view of its operand's buffer: materialize the operand.
      while (n.op === 'reshape') n = this.ctx.node(n.inputs[0]!);
      if (isLeaf(n) || materialized.has(n.id)) return;
      // Outside the partition being costed: materialized by its own partition.
      if (scope && !scope.has(n.id)) return;
      materialized.add(n.id);
      queue.push(n.id);
    };
    for (const r of roots) need(r);
    const ops: FusedOp[] = [];
    while (queue.length > 0) {
      const root = queue.pop()!;
      const { op, reads } = this.buildOp(root, ops.length);
      ops.push(op);
      for (const i of reads) need(i);
    }
    return { ops: absorb(this.ctx, ops), materialized };
  }

  entriesOf(id: NodeId): readonly MemoEntry[] {
    return this.valid.get(id) ?? [];
  }

  private computeValid(cuts: ReadonlySet<string>, scope?: ReadonlySet<NodeId>): void {
    this.valid = new Map();
    for (const n of this.ctx.live) {
      if (scope && !scope.has(n.id)) continue;
      const all = this.memo.entries.get(n.id);
      if (!all) continue;
      const ok = all.filter((e) =>
        e.refs.every((r) => !cuts.has(edgeKey(n.id, r)) && (this.valid.get(r) ?? []).some((c) => compatible(e, n.op === 'matmul', c))),
      );
      ok.sort((a, b) => score(b) - score(a));
      this.valid.set(n.id, ok);
    }
  }

  private buildOp(root: NodeId, id: number): { op: FusedOp; reads: NodeId[] } {
    const members = new Set<NodeId>();
    const reads = new Set<NodeId>();
    const entryOf = new Map<NodeId, MemoEntry>();
    const best = this.entriesOf(root)[0];
    if (best === undefined) throw new Error(`planner: node %${root} has no valid plan`);
    const visit = (n: NodeId, e: MemoEntry): void => {
      if (members.has(n)) return;
      members.add(n);
      entryOf.set(n, e);
      const node = this.ctx.node(n);
      for (const i of new Set(node.inputs)) {
        if (e.refs.includes(i)) {
          const child = this.entriesOf(i).find((c) => compatible(e, node.op === 'matmul', c))!;
          visit(i, child);
        } else {
          reads.add(i);
        }
      }
    };
    visit(root, best);
    // A producer read across a cut stays materialized even when another path fuses it here: the
    // assignment said "materialize", and the cost must say what that costs (the operator then
    // writes it; see absorb). It is not read back inside the operator that computes it.
    const cutReads = [...reads];
    for (const m of members) reads.delete(m);
    const template = templateOf(best, [...members].map((m) => entryOf.get(m)!));
    const sorted = (s: Iterable<NodeId>): NodeId[] => [...s].sort((a, b) => a - b);
    return {
      op: { id, template, members: sorted(members), outputs: [root], inputs: sorted(reads) },
      reads: sorted(cutReads),
    };
  }
}

function templateOf(rootEntry: MemoEntry, _all: readonly MemoEntry[]): Template {
  return rootEntry.template;
}

/**
 * Absorption: an operator whose only output is computed inside another operator anyway is folded
 * into it as an extra output, when that operator's kernel can write it (same iteration space) and
 * folding creates no cycle between operators.
 */
function absorb(ctx: PlanContext, ops: FusedOp[]): FusedOp[] {
  let changed = true;
  let cur = ops.slice();
  while (changed) {
    changed = false;
    outer: for (const b of cur) {
      if (b.outputs.length !== 1) continue;
      const m = b.outputs[0]!;
      for (const a of cur) {
        if (a === b || !a.members.includes(m) || !canWrite(ctx, a, m)) continue;
        if (dependsOn(cur, a, b, (id) => viewOf(ctx, id))) continue;
        const merged: FusedOp = { ...a, outputs: [...a.outputs, m].sort((x, y) => x - y) };
        cur = cur.filter((o) => o !== a && o !== b).concat(merged);
        changed = true;
        break outer;
      }
    }
  }
  return cur;
}

/** Whether operator `a`'s kernel can store member `m` (it evaluates m over m's full shape). */
export function canWrite(ctx: PlanContext, a: FusedOp, m: NodeId): boolean {
  const shape = ctx.shapes[m]!;
  const node = ctx.node(m);
  if (node.op === 'reduce' && a.template !== 'row') return false;
  switch (a.template) {
    case 'cell': {
      // Cell kernels with a reduction only store the reduction.
      if (a.members.some((x) => ctx.node(x).op === 'reduce')) return false;
      const space = ctx.shapes[a.outputs[0]!]!;
      return sameShape(shape, space);
    }
    case 'row': {
      const S = rowSpace(ctx, a);
      if (!S) return false;
      const perRow = [...S.slice(0, -1), 1];
      return sameShape(shape, S) || sameShape(shape, perRow) || (node.op === 'reduce' && sameShape(shape, S.slice(0, -1)));
    }
    case 'matmul': {
      const mm = a.members.find((x) => ctx.node(x).op === 'matmul')!;
      return sameShape(shape, ctx.shapes[mm]!) && (m === mm || m > mm) && dependsOnNode(ctx, m, mm, a);
    }
    default:
      return false;
  }
}

export function rowSpace(ctx: PlanContext, a: FusedOp): ConcreteShape | null {
  const r = a.members.find((x) => ctx.node(x).op === 'reduce');
  return r === undefined ? null : ctx.shapes[ctx.node(r).inputs[0]!]!;
}

/** m is mm or computed from mm inside op a (an epilogue member). */
function dependsOnNode(ctx: PlanContext, m: NodeId, mm: NodeId, a: FusedOp): boolean {
  if (m === mm) return true;
  const inside = new Set(a.members);
  const stack = [m];
  const seen = new Set<NodeId>();
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x === mm) return true;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const i of ctx.node(x).inputs) if (inside.has(i)) stack.push(i);
  }
  return false;
}

/** True if operator a (transitively) reads an output of operator b. */
export function dependsOn(ops: readonly FusedOp[], a: FusedOp, b: FusedOp, resolve: (id: NodeId) => NodeId = (id) => id): boolean {
  const producer = new Map<NodeId, FusedOp>();
  for (const o of ops) for (const out of o.outputs) producer.set(out, o);
  const seen = new Set<FusedOp>();
  const stack = [a];
  while (stack.length > 0) {
    const x = stack.pop()!;
    for (const i of x.inputs) {
      const p = producer.get(resolve(i));
      if (p === undefined || seen.has(p)) continue;
      if (p === b) return true;
      seen.add(p);
      stack.push(p);
    }
  }
  return false;
}

/** The node whose buffer a reshape chain views. */
export function viewOf(ctx: PlanContext, id: NodeId): NodeId {
  let n = ctx.node(id);
  while (n.op === 'reshape') n = ctx.node(n.inputs[0]!);
  return n.id;
}
