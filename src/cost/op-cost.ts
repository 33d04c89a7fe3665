import type { Node, NodeId } from '../ir/node.js';
import { BINARY, MATMUL_WEIGHT, REDUCE, UNARY, WHERE } from '../ir/ops.js';
import { numel, type ConcreteShape } from '../ir/shape.js';
import type { FusedOp, OpCost } from '../planner/plan.js';
import type { DeviceProfile } from './profile.js';

export interface CostGraph {
  node(id: NodeId): Node;
  readonly shapes: readonly ConcreteShape[];
}

/** Arithmetic weight of one evaluation of a node (per output cell; reductions per input cell). */
export function nodeWeight(n: Node): number {
  // A plain switch: this runs for every member of every operator of every plan the search costs.
  switch (n.op) {
    case 'unary':
      return UNARY[n.fn].weight;
    case 'binary':
      return BINARY[n.fn].weight;
    case 'where':
      return WHERE.weight;
    case 'reduce':
      return REDUCE[n.fn].weight;
    case 'matmul':
      return MATMUL_WEIGHT;
    case 'input':
    case 'const':
    case 'reshape':
    case 'broadcast':
    case 'transpose':
      return 0;
  }
}

/** A reduction runs as two passes (partials, then a small final pass) when few outputs share a long reduction. */
export function isTwoPass(outputs: number, reduced: number): boolean {
  return outputs < 64 && reduced >= 4096;
}

const TILE = 16;

/**
 * Estimated time of one fused operator:
 *   launches * launchMs + max(bytes moved / bytesPerMs, weighted arithmetic / flopsPerMs)
 * where members are charged per evaluation (a member broadcast over a larger iteration space is
 * evaluated once per cell of that space), each distinct input is read once, every output written
 * once, and two-pass reductions add a launch.
 */
export function opCost(g: CostGraph, op: FusedOp, p: DeviceProfile): OpCost {
  const size = (id: NodeId): number => numel(g.shapes[id]!);
  let bytesRead = 0;
  for (const i of op.inputs) {
    const n = g.node(i);
    if (n.op === 'const' && n.data.length === 1) continue;
    bytesRead += size(i) * 4;
  }
  const bytesWritten = op.outputs.reduce((s, o) => s + size(o) * 4, 0);
  const members = op.members.map((m) => g.node(m));
  const reduces = members.filter((n) => n.op === 'reduce');
  let flops = 0;
  let mmFlops = 0;
  let launches = 1;
  const space = iterationSpace(g, op);
  const evaluations = op.template === 'matmul' ? matmulMemberEvaluations(g, op) : null;
  for (const n of members) {
    const w = nodeWeight(n);
    if (n.op === 'matmul') {
      const a = g.shapes[n.inputs[0]!]!;
      mmFlops += w * size(n.id) * a[a.length - 1]!;
    } else if (n.op === 'reduce') {
      flops += w * size(n.inputs[0]!);
    } else if (evaluations !== null) {
      flops += w * evaluations(n);
    } else if (op.template === 'row' && isPerRow(g, n, space)) {
      flops += w * size(n.id);
    } else {
      flops += w * space;
    }
  }
  if ((op.template === 'cell' || op.template === 'magg' || op.template === 'single') && reduces.length > 0) {
    const r = reduces[0]!;
    if (isTwoPass(size(r.id), size(r.inputs[0]!) / Math.max(1, size(r.id)))) launches = 2;
  }
  const ms = launches * p.launchMs + Math.max((bytesRead + bytesWritten) / p.bytesPerMs, flops / p.flopsPerMs + mmFlops / p.matmulFlopsPerMs);
  return { op: op.id, ms, bytesRead, bytesWritten, flops: flops + mmFlops, launches };
}

/** Cells of the space a cell/row/magg kernel iterates over. */
function iterationSpace(g: CostGraph, op: FusedOp): number {
  const r = op.members.find((m) => g.node(m).op === 'reduce');
  if (r !== undefined) return numel(g.shapes[g.node(r).inputs[0]!]!);
  return Math.max(...op.outputs.map((o) => numel(g.shapes[o]!)));
}

function isPerRow(g: CostGraph, n: Node, space: number): boolean {
  const shape = g.shapes[n.id]!;
  return shape.length > 0 && shape[shape.length - 1] === 1 && numel(shape) < space;
}

/** Prologue members are re-evaluated on every tile load; epilogue members once per output cell. */
function matmulMemberEvaluations(g: CostGraph, op: FusedOp): (n: Node) => number {
  const mm = g.node(op.members.find((m) => g.node(m).op === 'matmul')!);
  const inside = new Set(op.members);
  // The members each operand's prologue is computed from (each operand side walked once).
  const side = (root: NodeId): Set<NodeId> => {
    const seen = new Set<NodeId>();
    const stack = [root];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.has(x) || !inside.has(x)) continue;
      seen.add(x);
      stack.push(...g.node(x).inputs);
    }
    return seen;
  };
  const aSide = side(mm.inputs[0]!);
  const bSide = side(mm.inputs[1]!);
  const out = g.shapes[mm.id]!;
  const M = out[out.length - 2]!;
  const N = out[out.length - 1]!;
  // An A-side member is loaded once per column tile of the product, a B-side one per row tile.
  return (n) => {
    if (aSide.has(n.id)) return numel(g.shapes[n.id]!) * Math.ceil(N / TILE);
    if (bSide.has(n.id)) return numel(g.shapes[n.id]!) * Math.ceil(M / TILE);
    return numel(out);
  };
}

export function planCost(g: CostGraph, ops: readonly FusedOp[], p: DeviceProfile): { costs: OpCost[]; ms: number } {
  const costs = ops.map((o) => opCost(g, o, p));
  return { costs, ms: costs.reduce((s, c) => s + c.ms, 0) };
}
