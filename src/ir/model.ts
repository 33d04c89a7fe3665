import { bindingError, modelError, shapeError } from './errors.js';
import { Graph, describeOp } from './graph.js';
import type { Node, NodeId } from './node.js';
import { fmtShape, numel, type ConcreteShape, type Dim } from './shape.js';

export interface NamedNode {
  readonly name: string;
  readonly node: NodeId;
}

/** A model: a graph, its named inputs and its named outputs (untyped view; the DSL adds types). */
export interface ModelIR {
  readonly name: string;
  readonly graph: Graph;
  readonly inputs: readonly NamedNode[];
  readonly outputs: readonly NamedNode[];
}

export type Dims = Readonly<Record<string, number>>;

export function validateModel(m: ModelIR): void {
  if (m.outputs.length === 0) throw modelError(`model '${m.name}' has no outputs`);
  const seen = new Set<string>();
  for (const o of m.outputs) {
    if (typeof o.name !== 'string' || o.name.length === 0) throw modelError(`model '${m.name}': an output needs a non-empty name`);
    if (seen.has(o.name)) throw modelError(`model '${m.name}': duplicate output name '${o.name}'`);
    seen.add(o.name);
    if (!Number.isInteger(o.node) || m.graph.nodes[o.node] === undefined) {
      throw modelError(`model '${m.name}': output '${o.name}' is not a node of this model's graph`);
    }
  }
  // Graph construction only ever references earlier nodes; check it, since the untyped API could
  // hand us a graph assembled by other means.
  for (const n of m.graph.nodes) {
    for (const i of n.inputs) {
      if (!(i < n.id)) throw modelError(`model '${m.name}': node %${n.id} reads %${i}, which is not earlier (cycle or foreign node)`);
    }
  }
}

/** Nodes reachable from the outputs, in topological (id) order. */
export function liveNodes(m: ModelIR): Node[] {
  const live = new Set<NodeId>();
  const stack = m.outputs.map((o) => o.node);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    for (const i of m.graph.node(id).inputs) stack.push(i);
  }
  return [...live].sort((a, b) => a - b).map((id) => m.graph.node(id));
}

/** The symbols a model's shapes mention, with an input that mentions each (for error messages). */
export function symbolsOf(m: ModelIR): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of m.graph.nodes) {
    for (const d of n.shape) {
      if (typeof d === 'string' && !out.has(d)) out.set(d, n.op === 'input' ? `input '${n.name}'` : `node %${n.id}`);
    }
  }
  return out;
}

export function resolveDim(d: Dim, dims: Dims): number {
  if (typeof d === 'number') return d;
  const v = dims[d];
  if (v === undefined) throw bindingError(`symbolic dim '${d}' is not bound`);
  return v;
}

/**
 * Binds symbolic dims to numbers and returns every node's concrete shape. Broadcasts and reshapes
 * that could not be checked symbolically are checked here.
 */
export function bindShapes(m: ModelIR, dims: Dims): ConcreteShape[] {
  validateModel(m);
  const symbols = symbolsOf(m);
  for (const [k, v] of Object.entries(dims)) {
    if (!symbols.has(k)) throw bindingError(`dim '${k}' is not used by model '${m.name}' (its dims: ${[...symbols.keys()].join(', ') || 'none'})`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw bindingError(`dim '${k}' must be bound to a positive integer, got ${String(v)}`);
    }
  }
  for (const [s, where] of symbols) {
    if (dims[s] === undefined) throw bindingError(`symbolic dim '${s}' (used by ${where}) is not bound; pass dims: { ${s}: <size> }`);
  }
  const shapes = m.graph.nodes.map((n) => n.shape.map((d) => resolveDim(d, dims)));
  for (const n of m.graph.nodes) {
    if (n.op === 'reshape') {
      const from = shapes[n.inputs[0]!]!;
      const to = shapes[n.id]!;
      if (numel(from) !== numel(to)) {
        throw shapeError(`reshape %${n.id}: ${fmtShape(from)} has ${numel(from)} elements but ${fmtShape(to)} has ${numel(to)} (with dims ${JSON.stringify(dims)})`);
      }
    }
  }
  return shapes;
}

/** A readable dump of the live part of a model's DAG. */
export function printModel(m: ModelIR, dims?: Dims): string {
  const shapes = dims ? bindShapes(m, dims) : undefined;
  const outs = new Map<NodeId, string[]>();
  for (const o of m.outputs) outs.set(o.node, [...(outs.get(o.node) ?? []), o.name]);
  const lines = [`model ${m.name}`];
  for (const n of liveNodes(m)) {
    const args = n.inputs.map((i) => `%${i}`).join(', ');
    const shape = shapes ? fmtShape(shapes[n.id]!) : fmtShape(n.shape);
    const out = outs.has(n.id) ? `  -> ${outs.get(n.id)!.join(', ')}` : '';
    lines.push(`  %${n.id} = ${describeOp(n)}${args ? ' ' + args : ''} : ${n.dtype}${shape}${out}`);
  }
  return lines.join('\n');
}

export { Graph };
