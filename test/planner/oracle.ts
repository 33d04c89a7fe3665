/**
 * An independent brute-force planner for small DAGs without matmuls or transposes: its own
 * enumeration of legal groupings, sharing nothing with the planner but the cost of one fused
 * operator (opCost). A grouping is a set M of materialized nodes (every output among them); each
 * node of M gets one operator computing it from M's other nodes and the leaves, recomputing every
 * unmaterialized node it needs (the cone down to M). The operator must be legal under one of the
 * templates, with the rules written out here from docs/planner.md:
 * - single: one node, its own unfused kernel;
 * - cell: elementwise members, optionally closed by one reduction (over any axes) as the root;
 * - row: row reductions (over the last axis of one rank >= 2 space S, keeping dims unless the
 *   reduction is the root) and elementwise members, where every member computed from a reduction
 *   has a shape inside S.
 * Each operator takes the single kernel or its template (row before cell: the planner's one
 * template rule that is not a costed choice, docs/planner.md "Known gaps"), whichever is cheaper. The optimum over all M is an upper bound on
 * what the planner must reach (the planner can also merge, absorb and recompute selectively).
 */
import { opCost } from '../../src/cost/op-cost.js';
import type { Dims, ModelIR } from '../../src/ir/model.js';
import { bindShapes, liveNodes } from '../../src/ir/model.js';
import type { Node, NodeId } from '../../src/ir/node.js';
import { numel, type ConcreteShape } from '../../src/ir/shape.js';
import type { DeviceProfile } from '../../src/cost/profile.js';
import type { FusedOp, Template } from '../../src/plan/plan.js';

const ELEMENTWISE = new Set(['unary', 'binary', 'where', 'broadcast']);
const fits = (inner: ConcreteShape, outer: ConcreteShape): boolean => {
  // numpy-style: inner broadcasts into outer
  if (inner.length > outer.length) return false;
  const off = outer.length - inner.length;
  return inner.every((d, i) => d === 1 || d === outer[off + i]);
};

export interface OracleResult {
  readonly ms: number;
  readonly materialized: readonly NodeId[];
  readonly groupings: number;
}

/** The cheapest legal grouping, or null when the model has ops this oracle does not cover. */
export function bruteForce(model: ModelIR, dims: Dims, profile: DeviceProfile): OracleResult | null {
  const shapes = bindShapes(model, dims);
  const g = { node: (id: NodeId): Node => model.graph.node(id), shapes };
  const live = liveNodes(model);
  if (live.some((n) => n.op === 'matmul' || n.op === 'transpose' || n.op === 'reshape')) return null;
  const compute = live.filter((n) => n.op !== 'input' && n.op !== 'const').map((n) => n.id);
  // Outputs and pinned nodes are materialized in every grouping.
  const outputs = new Set([...model.outputs.map((o) => o.node), ...model.graph.pins].filter((id) => compute.includes(id)));
  const free = compute.filter((id) => !outputs.has(id));
  if (free.length > 12) return null;
  const opMs = new Map<string, number>();
  let best: OracleResult | null = null;
  let groupings = 0;
  for (let mask = 0; mask < 1 << free.length; mask++) {
    const M = new Set([...outputs, ...free.filter((_, i) => (mask >> i) & 1)]);
    let total = 0;
    for (const m of M) {
      const members = cone(g, m, M);
      const key = `${m}|${[...members].join(',')}`;
      let ms = opMs.get(key);
      if (ms === undefined) {
        ms = cheapest(g, m, members, profile);
        opMs.set(key, ms);
      }
      total += ms;
      if (!Number.isFinite(total)) break;
    }
    if (!Number.isFinite(total)) continue;
    groupings++;
    if (best === null || total < best.ms) best = { ms: total, materialized: [...M].sort((a, b) => a - b), groupings: 0 };
  }
  return best === null ? null : { ...best, groupings };
}

type G = { node(id: NodeId): Node; readonly shapes: readonly ConcreteShape[] };

/** The nodes an operator writing `root` computes: everything down to materialized nodes and leaves. */
function cone(g: G, root: NodeId, M: ReadonlySet<NodeId>): Set<NodeId> {
  const out = new Set<NodeId>();
  const stack = [root];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (out.has(x)) continue;
    out.add(x);
    for (const i of g.node(x).inputs) {
      const n = g.node(i);
      if (n.op !== 'input' && n.op !== 'const' && !M.has(i)) stack.push(i);
    }
  }
  return out;
}

/** The cheapest legal template's cost for this operator (Infinity when none is legal). */
function cheapest(g: G, root: NodeId, members: ReadonlySet<NodeId>, p: DeviceProfile): number {
  const sorted = [...members].sort((a, b) => a - b);
  const inputs = new Set<NodeId>();
  for (const m of sorted) for (const i of g.node(m).inputs) if (!members.has(i)) inputs.add(i);
  const op = (template: Template): FusedOp => ({ id: 0, template, members: sorted, outputs: [root], inputs: [...inputs].sort((a, b) => a - b) });
  const options: Template[] = [];
  if (sorted.length === 1) options.push('single');
  // The planner's template rule: an operator a row program can run is a row program (see
  // cheaperKernel in src/planner/objective.ts); otherwise a cell kernel if legal.
  if (isRow(g, root, sorted)) options.push('row');
  else if (isCell(g, root, sorted)) options.push('cell');
  return Math.min(Infinity, ...options.map((t) => opCost(g, op(t), p).ms));
}

function isCell(g: G, root: NodeId, members: readonly NodeId[]): boolean {
  return members.every((m) => ELEMENTWISE.has(g.node(m).op) || (m === root && g.node(m).op === 'reduce'));
}

function isRow(g: G, root: NodeId, members: readonly NodeId[]): boolean {
  const reduces = members.map((m) => g.node(m)).filter((n) => n.op === 'reduce');
  if (reduces.length === 0) return false;
  const S = g.shapes[reduces[0]!.inputs[0]!]!;
  if (S.length < 2) return false;
  for (const r of reduces) {
    if (r.op !== 'reduce') return false;
    const s = g.shapes[r.inputs[0]!]!;
    if (s.length !== S.length || !s.every((d, i) => d === S[i]) || r.axes.length !== 1 || r.axes[0] !== S.length - 1) return false;
    if (!r.keepDims && r.id !== root) return false;
  }
  const inside = new Set(members);
  // Members computed from a reduction in this operator are row values: their shape stays in S.
  const afterReduce = new Set<NodeId>();
  for (const m of members) {
    const n = g.node(m);
    if (n.op !== 'reduce' && !ELEMENTWISE.has(n.op)) return false;
    const fromReduce = n.inputs.some((i) => inside.has(i) && (g.node(i).op === 'reduce' || afterReduce.has(i)));
    if (fromReduce && n.op !== 'reduce') {
      if (!fits(g.shapes[m]!, S)) return false;
      afterReduce.add(m);
    }
  }
  // The root is a reduction or a row value; elementwise members feeding a reduction lie in S.
  return g.node(root).op === 'reduce' || afterReduce.has(root) ? numel(S) > 0 : false;
}
