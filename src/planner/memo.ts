import { match } from 'ts-pattern';
import type { Node, NodeId } from '../ir/node.js';
import { broadcastsInto, sameConcrete, type ConcreteShape } from '../ir/shape.js';
import { isLeaf, type PlanContext } from './context.js';

export type MemoTemplate = 'cell' | 'row' | 'matmul';

/**
 * A partial fused plan at one node (SystemML's memo entry): the template, which inputs are fused
 * in (each through one of the child's entries of the templates listed), and whether anything may
 * still fuse above it.
 */
export interface MemoEntry {
  readonly template: MemoTemplate;
  /** Fused inputs, ascending; every other input is read from memory. */
  readonly refs: readonly NodeId[];
  /** Closed entries cannot be referenced by a consumer of the same template. */
  readonly closed: boolean;
  /** row: the operand space S of its row reductions; matmul: the product's shape. */
  readonly space: ConcreteShape | null;
}

export interface Memo {
  readonly entries: ReadonlyMap<NodeId, readonly MemoEntry[]>;
  /** For each (consumer, producer) edge no entry references: the rule that forbids fusing it. */
  readonly rejected: ReadonlyMap<string, string>;
}

export const edgeKey = (consumer: NodeId, producer: NodeId): string => `${consumer}<-${producer}`;
/** The consumer of an edge key. */
export const edgeConsumer = (key: string): NodeId => Number(key.slice(0, key.indexOf('<-')));


const isCellOp = (n: Node): boolean => n.op === 'unary' || n.op === 'binary' || n.op === 'where' || n.op === 'broadcast';
/** A reduction over exactly the last axis of a rank >= 2 operand: the row template's aggregate. */
export const isRowReduce = (n: Node, ctx: PlanContext): boolean => {
  if (n.op !== 'reduce') return false;
  const rank = ctx.shapes[n.inputs[0]!]!.length;
  return rank >= 2 && n.axes.length === 1 && n.axes[0] === rank - 1;
};

function subsets<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [[]];
  for (const x of xs) for (const s of out.slice()) out.push([...s, x]);
  return out;
}

/**
 * Exploration: one bottom-up pass that fills the memo table with every template's partial plans
 * at every live node, from the templates' open / fuse / merge / close rules.
 */
export function explore(ctx: PlanContext): Memo {
  const entries = new Map<NodeId, MemoEntry[]>();
  const rejected = new Map<string, string>();
  const open = (c: NodeId, t: MemoTemplate): MemoEntry[] => (entries.get(c) ?? []).filter((e) => e.template === t && !e.closed);

  for (const h of ctx.live) {
    if (isLeaf(h) || h.op === 'reshape') continue;
    const shape = ctx.shapes[h.id]!;
    const ins = [...new Set(h.inputs)].filter((c) => !isLeaf(ctx.node(c)) && ctx.node(c).op !== 'reshape');
    for (const c of new Set(h.inputs)) {
      const cn = ctx.node(c);
      if (cn.op === 'reshape') rejected.set(edgeKey(h.id, c), 'reshape is a view of a materialized buffer');
    }
    const out: MemoEntry[] = [];
    const add = (template: MemoTemplate, refs: readonly NodeId[], closed: boolean, space: ConcreteShape | null): void => {
      out.push({ template, refs: [...refs].sort((a, b) => a - b), closed, space });
    };
    const cellRefs = ins.filter((c) => open(c, 'cell').length > 0);

    // cell: elementwise ops open and fuse open cell children; a reduction ends (closes) the plan.
    match(h.op)
      .with('unary', 'binary', 'where', 'broadcast', () => subsets(cellRefs).forEach((s) => add('cell', s, false, null)))
      .with('reduce', () => subsets(cellRefs).forEach((s) => add('cell', s, true, null)))
      .with('transpose', () => add('cell', [], false, null))
      .with('matmul', 'input', 'const', () => {})
      .exhaustive();

    // row: opens at a reduction over the last axis; elementwise consumers whose shape stays inside
    // that row space fuse it (and absorb open cell children as per-element members).
    if (isRowReduce(h, ctx)) {
      const c = h.inputs[0]!;
      const S = ctx.shapes[c]!;
      const closed = h.op === 'reduce' && !h.keepDims;
      add('row', [], closed, S);
      if (ins.includes(c) && (open(c, 'cell').length > 0 || open(c, 'row').some((e) => sameConcrete(e.space!, S)))) add('row', [c], closed, S);
    } else if (isCellOp(h)) {
      const spaces = new Map<string, ConcreteShape>();
      for (const c of ins) for (const e of open(c, 'row')) if (broadcastsInto(shape, e.space!)) spaces.set(e.space!.join('x'), e.space!);
      for (const S of spaces.values()) {
        const rowKids = ins.filter((c) => open(c, 'row').some((e) => sameConcrete(e.space!, S)));
        const cand = [...new Set([...rowKids, ...cellRefs])];
        for (const s of subsets(cand)) if (s.some((c) => rowKids.includes(c))) add('row', s, false, S);
      }
    }

    // matmul: the product opens with optional prologues (open cell plans on its operands); an
    // elementwise consumer of exactly the product's shape extends it as epilogue.
    if (h.op === 'matmul') {
      subsets(cellRefs).forEach((s) => add('matmul', s, false, shape));
    } else if (isCellOp(h)) {
      const mmKids = ins.filter((c) => open(c, 'matmul').some((e) => sameConcrete(e.space!, shape)));
      for (const m of mmKids) {
        const others = cellRefs.filter((c) => c !== m && !mmKids.includes(c));
        for (const s of subsets(others)) add('matmul', [m, ...s], false, shape);
      }
    }

    const unique = dedupe(out);
    entries.set(h.id, unique);
    for (const c of ins) {
      if (!unique.some((e) => e.refs.includes(c))) rejected.set(edgeKey(h.id, c), whyNot(ctx, h, c, entries));
    }
  }
  return { entries, rejected };
}

function dedupe(es: readonly MemoEntry[]): MemoEntry[] {
  const seen = new Map<string, MemoEntry>();
  for (const e of es) seen.set(`${e.template}|${e.refs.join(',')}|${e.closed}|${e.space?.join('x') ?? ''}`, e);
  return [...seen.values()];
}

/** The template rule that keeps `c` out of every plan at `h`, in words for explain. */
function whyNot(ctx: PlanContext, h: Node, c: NodeId, entries: ReadonlyMap<NodeId, readonly MemoEntry[]>): string {
  const cn = ctx.node(c);
  const kids = entries.get(c) ?? [];
  if (h.op === 'transpose') return 'transpose reads its operand from memory with permuted strides (it is a view, not a computation)';
  if (cn.op === 'matmul' && h.op !== 'matmul') return `matmul epilogues only take elementwise consumers of the product's shape [${ctx.shapes[c]!.join(', ')}]`;
  if (h.op === 'matmul') return 'a matmul prologue only fuses elementwise (cell) producers of its operands';
  if (cn.op === 'reduce') {
    return isRowReduce(cn, ctx)
      ? `the row reduction's result is used outside its row space [${ctx.shapes[cn.inputs[0]!]!.join(', ')}] (or without keepDims)`
      : 'a reduction ends a cell plan; only row reductions (last axis) can be reused inside a fused row program';
  }
  if (kids.every((e) => e.closed)) return 'the producer\'s plans are all closed';
  return `no template fuses ${cn.op} into ${h.op} here`;
}
