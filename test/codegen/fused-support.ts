/** Helpers for the fused-codegen tests: hand-written FusedOp lists, lowering, comparison. */
import type { Graph } from '../../src/ir/graph.js';
import { bindShapes, type Dims, type ModelIR } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import { numel } from '../../src/ir/shape.js';
import { lowerPlan, type LoweredPlan, type LowerPlanOptions } from '../../src/codegen/lower.js';
import type { FusedOp, Template } from '../../src/plan/plan.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import type { Runtime } from '../../src/runtime/types.js';
import { prng } from '../support/random-dag.js';

export function modelOf(graph: Graph, inputs: Record<string, NodeId>, outputs: Record<string, NodeId>, name = 'm'): ModelIR {
  return {
    name,
    graph,
    inputs: Object.entries(inputs).map(([n, node]) => ({ name: n, node })),
    outputs: Object.entries(outputs).map(([n, node]) => ({ name: n, node })),
  };
}

/** A FusedOp with its inputs derived from its members (every non-member operand). */
export function fop(graph: Graph, id: number, template: Template, members: readonly NodeId[], outputs: readonly NodeId[]): FusedOp {
  const set = new Set(members);
  const inputs = new Set<NodeId>();
  for (const m of members) for (const i of graph.node(m).inputs) if (!set.has(i)) inputs.add(i);
  const asc = (xs: Iterable<NodeId>): NodeId[] => [...xs].sort((a, b) => a - b);
  return { id, template, members: asc(set), outputs: asc(outputs), inputs: asc(inputs) };
}

export function randomInputs(m: ModelIR, dims: Dims = {}, seed = 1, scale = 2): Record<string, Float32Array> {
  const shapes = bindShapes(m, dims);
  const rand = prng(seed);
  const out: Record<string, Float32Array> = {};
  for (const i of m.inputs) out[i.name] = Float32Array.from({ length: numel(shapes[i.node]!) }, () => (rand() * 2 - 1) * scale);
  return out;
}

/** Lowers `ops`, runs them with poisoned buffers and compares every output with the reference. */
export async function runOps(
  gpu: Runtime,
  m: ModelIR,
  ops: readonly FusedOp[],
  opts: { dims?: Dims; inputs?: Record<string, Float32Array>; lower?: Omit<LowerPlanOptions, 'limits'> } = {},
): Promise<LoweredPlan> {
  const dims = opts.dims ?? {};
  const shapes = bindShapes(m, dims);
  const inputs = opts.inputs ?? randomInputs(m, dims);
  const lowered = lowerPlan(m, shapes, ops, { ...opts.lower, limits: gpu.limits });
  const live = new Set(lowered.executable.inputs.map((i) => i.name));
  const feed = Object.fromEntries(Object.entries(inputs).filter(([k]) => live.has(k)));
  const { outputs } = await gpu.execute(lowered.executable, feed, { poison: true });
  const ref = evaluate(m, dims, inputs);
  for (const o of m.outputs) {
    const c = compareToReference(outputs[o.name]!, ref[o.name]!);
    if (!c.ok) {
      throw new Error(`output ${o.name}: ${c.badCount} of ${ref[o.name]!.data.length} elements off (max rel err ${c.maxRelErr}), first: ${JSON.stringify(c.mismatches.slice(0, 4))}`);
    }
  }
  return lowered;
}

/** Every node `roots` depend on, stopping at inputs, constants, reshapes and `stop` nodes. */
export function closure(graph: Graph, roots: readonly NodeId[], stop: readonly NodeId[] = []): NodeId[] {
  const out = new Set<NodeId>();
  const halt = new Set(stop);
  const visit = (id: NodeId): void => {
    const n = graph.node(id);
    if (out.has(id) || halt.has(id) || n.op === 'input' || n.op === 'const' || n.op === 'reshape') return;
    out.add(id);
    // A transpose member reads its operand as an op input.
    if (n.op !== 'transpose') n.inputs.forEach(visit);
  };
  roots.forEach(visit);
  return [...out].sort((a, b) => a - b);
}
