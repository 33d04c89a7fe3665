import { match } from 'ts-pattern';
import { aliasBase } from '../ir/alias.js';
import type { NodeId } from '../ir/node.js';
import { sameConcrete, type ConcreteShape } from '../ir/shape.js';
import { isLeaf, type PlanContext } from './context.js';
import { edgeKey, type Memo, type MemoEntry, type MemoTemplate } from './memo.js';
import { bindingsOf } from './limits.js';
import type { FusedOp, Template } from '../plan/plan.js';

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
  /** Edges the builder cut on top of the given cuts, with the rule that forced each. */
  readonly forced: ReadonlyMap<string, string>;
}

const RANK: Readonly<Record<MemoTemplate, number>> = { matmul: 3, row: 2, cell: 1 };
const sameShape = (a: ConcreteShape | null, b: ConcreteShape | null): boolean => a !== null && b !== null && sameConcrete(a, b);

const TRANSPOSE_RULE = 'a transpose in the same operator reads this producer from memory with permuted strides, so the operator may not compute it';

const score = (e: MemoEntry): number => e.refs.length * 10 + RANK[e.template];

export class Builder {
  /** Valid entries per node under the current cuts, best first. */
  private valid = new Map<NodeId, MemoEntry[]>();

  /** Per node: the spaces (as 'AxB') of its open matmul entries, for `serves`. */
  private readonly mmSpaces = new Map<NodeId, Set<string>>();
  /** Scopes (partitions) in topological order, cached per scope object. */
  private readonly ordered = new WeakMap<ReadonlySet<NodeId>, NodeId[]>();

  constructor(
    private readonly ctx: PlanContext,
    private readonly memo: Memo,
  ) {
    for (const [n, es] of memo.entries) {
      for (const e of es) if (e.template === 'matmul' && !e.closed) this.mmSpaces.set(n, (this.mmSpaces.get(n) ?? new Set()).add(e.space!.join('x')));
    }
  }

  /**
   * Builds operators for `roots` (and whatever they force to be materialized). `scope` limits
   * validity computation to a partition when costing one partition alone.
   */
  build(cuts: ReadonlySet<string>, roots: Iterable<NodeId>, scope?: ReadonlySet<NodeId>): BuildResult {
    const rootList = [...roots];
    const forced = new Map<string, string>();
    let cur = cuts;
    for (;;) {
      const r = this.buildOnce(cur, rootList, scope);
      // A transpose member reads its operand's buffer at permuted positions: the operand must be
      // written by an earlier kernel, never computed in the transpose's own operator. Where
      // another path fused it in, cut those edges too and rebuild (cuts only grow: terminates).
      const extra: string[] = [];
      for (const op of r.ops) {
        const inside = new Set(op.members);
        for (const t of op.members) {
          const tn = this.ctx.node(t);
          if (tn.op !== 'transpose') continue;
          const c = aliasBase(this.ctx, tn.inputs[0]!);
          if (!inside.has(c)) continue;
          for (const h of op.members) {
            const hn = this.ctx.node(h);
            if (hn.op !== 'transpose' && hn.inputs.includes(c) && !cur.has(edgeKey(h, c))) extra.push(edgeKey(h, c));
          }
        }
      }
      if (extra.length === 0) return { ...r, forced };
      for (const k of extra) forced.set(k, TRANSPOSE_RULE);
      cur = new Set([...cur, ...extra]);
    }
  }

  private buildOnce(cuts: ReadonlySet<string>, roots: readonly NodeId[], scope?: ReadonlySet<NodeId>): { ops: FusedOp[]; materialized: Set<NodeId> } {
    this.computeValid(cuts, scope);
    const materialized = new Set<NodeId>();
    const queue: NodeId[] = [];
    const need = (id: NodeId): void => {
      // A reshape is a view of its operand's buffer: materialize the operand.
      const n = this.ctx.node(aliasBase(this.ctx, id));
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

  /**
   * Whether a child entry can serve a parent entry's reference to `ref`. A matmul epilogue entry
   * extends exactly one matmul plan (through the reference that has an open matmul entry of the
   * product's shape); its other references are cell members, as are a matmul node's prologues.
   */
  private serves(parent: MemoEntry, parentNode: NodeId, ref: NodeId, child: MemoEntry): boolean {
    if (child.closed) return false;
    // A switch, not match(): this runs per entry and reference for every costed plan, and the
    // compiler already rejects a missing template here (the function must return a boolean).
    switch (parent.template) {
      case 'cell':
        return child.template === 'cell';
      case 'row':
        return child.template === 'cell' || (child.template === 'row' && sameShape(child.space, parent.space));
      case 'matmul': {
        if (this.ctx.node(parentNode).op === 'matmul') return child.template === 'cell';
        const chain = this.mmSpaces.get(ref)?.has(parent.space!.join('x')) ?? false;
        return chain ? child.template === 'matmul' && sameShape(child.space, parent.space) : child.template === 'cell';
      }
    }
  }

  private computeValid(cuts: ReadonlySet<string>, scope?: ReadonlySet<NodeId>): void {
    this.valid = new Map();
    let order: readonly NodeId[] | undefined = scope ? this.ordered.get(scope) : undefined;
    if (scope && order === undefined) {
      order = [...scope].sort((a, b) => a - b);
      this.ordered.set(scope, order as NodeId[]);
    }
    for (const id of order ?? this.ctx.live.map((n) => n.id)) {
      const n = this.ctx.node(id);
      const all = this.memo.entries.get(n.id);
      if (!all) continue;
      const ok = all.filter(
        (e) =>
          e.refs.every((r) => !cuts.has(edgeKey(n.id, r)) && (this.valid.get(r) ?? []).some((c) => this.serves(e, n.id, r, c))) &&
          // A row plan above its reductions must still reach one through a row plan: with those
          // references cut, the rest is cell work and the entry is no row program.
          (e.template !== 'row' || n.op === 'reduce' || e.refs.some((r) => (this.valid.get(r) ?? []).some((c) => c.template === 'row' && !c.closed && sameShape(c.space, e.space)))),
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
          const child = this.entriesOf(i).find((c) => this.serves(e, n, i, c))!;
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
 * Absorption: an operator whose outputs are all computed inside another operator anyway is folded
 * into it as extra outputs, when that operator's kernel can write them (same iteration space) and
 * the extra bindings stay within the device limit.
 *
 * Folding b into a makes every reader of b's outputs wait for all of a's inputs. It is allowed only
 * when each non-leaf input of a is something each of b's outputs is computed from anyway. So every
 * operator keeps the invariant "each output is computed from each non-leaf input", under which an
 * operator-level dependency implies a graph-level one: folding can never create a cycle, and the
 * decision only looks at the graph, never at other operators. That matters because a partition is
 * costed built alone: it must get exactly the operators it gets within the whole model.
 * Operators are scanned by first output, and each folds into the candidate with the most members
 * (then the first output), so the result does not depend on the order they were built in.
 */
function absorb(ctx: PlanContext, ops: FusedOp[]): FusedOp[] {
  const key = (x: FusedOp): number => x.outputs[0]!;
  const alive = new Set<FusedOp>(ops);
  // node -> live operators that compute it
  const computing = new Map<NodeId, Set<FusedOp>>();
  const index = (o: FusedOp): void => {
    for (const m of o.members) {
      let s = computing.get(m);
      if (s === undefined) computing.set(m, (s = new Set()));
      s.add(o);
    }
  };
  const unindex = (o: FusedOp): void => {
    for (const m of o.members) computing.get(m)!.delete(o);
  };
  for (const o of ops) index(o);
  const ok = (a: FusedOp, b: FusedOp): boolean =>
    a.inputs.every((i) => {
      const x = aliasBase(ctx, i);
      return isLeaf(ctx.node(x)) || b.outputs.every((m) => computedFrom(ctx, m, x));
    });
  // Always fold the absorbable operator with the smallest first output (as a rescan from the start
  // after every fold would): folding only adds outputs and bindings, so an operator that could not
  // be folded stays so, and only the operator a fold produces needs a fresh look.
  const pending = ops.slice().sort((x, y) => key(y) - key(x)); // popped smallest first
  while (pending.length > 0) {
    const b = pending.pop()!;
    if (!alive.has(b)) continue;
    let candidates: FusedOp[] | null = null;
    for (const m of b.outputs) {
      const s = [...(computing.get(m) ?? [])].filter((a) => a !== b);
      candidates = candidates === null ? s : candidates.filter((a) => s.includes(a));
    }
    const ordered = (candidates ?? [])
      .filter((a) => b.outputs.every((m) => canWrite(ctx, a, m)))
      .sort((x, y) => y.members.length - x.members.length || key(x) - key(y));
    for (const a of ordered) {
      if (!ok(a, b)) continue;
      const merged: FusedOp = { ...a, outputs: [...new Set([...a.outputs, ...b.outputs])].sort((x, y) => x - y) };
      // An extra output is an extra binding: never absorb past the device's limit.
      if (bindingsOf(ctx, merged) > ctx.limits.maxStorageBuffersPerShaderStage) continue;
      alive.delete(a);
      alive.delete(b);
      unindex(a);
      unindex(b);
      alive.add(merged);
      index(merged);
      // Re-examine the merged operator in order: insert it among the pending ones by its key.
      let at = pending.length;
      while (at > 0 && key(pending[at - 1]!) < key(merged)) at--;
      pending.splice(at, 0, merged);
      break;
    }
  }
  return [...alive].sort((x, y) => key(x) - key(y));
}

/** Per context: for each node, the bit set of the nodes it is computed from (built on first use). */
const ancestry = new WeakMap<PlanContext, Uint32Array[]>();
/** Above this many graph nodes the bit sets (n^2 bits) are not built and paths are searched. */
const ANCESTRY_LIMIT = 16384;

function ancestorsOf(ctx: PlanContext): Uint32Array[] | null {
  const nodes = ctx.model.graph.nodes;
  if (nodes.length > ANCESTRY_LIMIT) return null;
  let sets = ancestry.get(ctx);
  if (sets === undefined) {
    const words = (nodes.length + 31) >>> 5;
    sets = nodes.map(() => new Uint32Array(words));
    for (const n of nodes) {
      const s = sets[n.id]!;
      for (const i of n.inputs) {
        s[i >>> 5]! |= 1 << (i & 31);
        const si = sets[i]!;
        for (let w = 0; w < words; w++) s[w]! |= si[w]!;
      }
    }
    ancestry.set(ctx, sets);
  }
  return sets;
}

/** Whether node `m` is computed (through any path in the graph) from node `x` (x a proper dependency). */
export function computedFrom(ctx: PlanContext, m: NodeId, x: NodeId): boolean {
  if (x >= m) return false;
  const sets = ancestorsOf(ctx);
  if (sets !== null) return ((sets[m]![x >>> 5]! >>> (x & 31)) & 1) === 1;
  const seen = new Set<NodeId>();
  const stack = [m];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const i of ctx.node(n).inputs) {
      if (i === x) return true;
      if (i > x && !seen.has(i)) (seen.add(i), stack.push(i));
    }
  }
  return false;
}

/** Whether operator `a`'s kernel can store member `m` (it evaluates m over m's full shape). */
function canWrite(ctx: PlanContext, a: FusedOp, m: NodeId): boolean {
  const shape = ctx.shapes[m]!;
  const node = ctx.node(m);
  if (node.op === 'reduce' && a.template !== 'row') return false;
  return match(a.template)
    .with('cell', () => {
      // Cell kernels with a reduction only store the reduction.
      if (a.members.some((x) => ctx.node(x).op === 'reduce')) return false;
      return sameShape(shape, ctx.shapes[a.outputs[0]!]!);
    })
    .with('row', () => {
      const S = rowSpace(ctx, a);
      if (!S) return false;
      const perRow = [...S.slice(0, -1), 1];
      return sameShape(shape, S) || sameShape(shape, perRow) || (node.op === 'reduce' && sameShape(shape, S.slice(0, -1)));
    })
    .with('matmul', () => {
      const mm = a.members.find((x) => ctx.node(x).op === 'matmul')!;
      return sameShape(shape, ctx.shapes[mm]!) && (m === mm || m > mm) && dependsOnNode(ctx, m, mm, a);
    })
    // A single op writes only itself; a multi-aggregate only its reductions (merged, not absorbed).
    .with('single', 'magg', () => false)
    .exhaustive();
}

function rowSpace(ctx: PlanContext, a: FusedOp): ConcreteShape | null {
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


