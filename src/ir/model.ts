import { bindingError, modelError, shapeError } from './errors.js';
import { Graph, describeOp } from './graph.js';
import type { Node, NodeId } from './node.js';
import { getOwn } from './own.js';
import { checkDim, fmtShape, numel, type ConcreteShape, type Dim } from './shape.js';

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

const KNOWN_OPS: ReadonlySet<string> = new Set(['input', 'const', 'unary', 'binary', 'where', 'reduce', 'matmul', 'transpose', 'reshape', 'broadcast']);
const ARITY: Readonly<Record<string, number>> = { input: 0, const: 0, unary: 1, binary: 2, where: 3, reduce: 1, matmul: 2, transpose: 1, reshape: 1, broadcast: 1 };

const what = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'string' ? JSON.stringify(x) : typeof x === 'object' ? 'an object' : String(x));

/**
 * Checks everything the later stages assume of a model, so a ModelIR built by hand (the untyped
 * API) fails here with FuseplanError('model') instead of producing wrong kernels: the object's
 * shape, node ids, edges that only point backwards (no cycles, no foreign or out-of-range nodes),
 * valid dims, unique input and output names, and an input list that names every input the outputs
 * depend on (an unlisted input would otherwise run as zeros).
 */
export function validateModel(m: ModelIR): void {
  if (typeof m !== 'object' || m === null) throw modelError(`a model must be an object { name, graph, inputs, outputs }, got ${what(m)}`);
  const name = typeof m.name === 'string' && m.name.length > 0 ? m.name : undefined;
  if (name === undefined) throw modelError(`a model needs a non-empty string name, got ${what(m.name)}`);
  const g = m.graph as unknown;
  if (!(g instanceof Graph) && !(typeof g === 'object' && g !== null && Array.isArray((g as Graph).nodes) && typeof (g as Graph).node === 'function')) {
    throw modelError(`model '${name}': graph must be a Graph (from model() or new Graph()), got ${what(g)}`);
  }
  if (!Array.isArray(m.inputs)) throw modelError(`model '${name}': inputs must be an array of { name, node }, got ${what(m.inputs)}`);
  if (!Array.isArray(m.outputs)) throw modelError(`model '${name}': outputs must be an array of { name, node }, got ${what(m.outputs)}`);
  if (m.outputs.length === 0) throw modelError(`model '${name}' has no outputs`);
  const nodes = m.graph.nodes;
  // Graph construction only ever references earlier nodes; check it, since the untyped API could
  // hand us a graph assembled by other means.
  nodes.forEach((n, index) => {
    if (typeof n !== 'object' || n === null || !KNOWN_OPS.has((n as Node).op)) throw modelError(`model '${name}': node %${index} is not a node (op ${what((n as Node | null)?.op)})`);
    if (n.id !== index) throw modelError(`model '${name}': node at index ${index} has id ${what(n.id)}; ids must equal positions in graph.nodes`);
    if (!Array.isArray(n.inputs) || n.inputs.length !== ARITY[n.op]) {
      throw modelError(`model '${name}': node %${index} (${n.op}) must have ${ARITY[n.op]} inputs, got ${Array.isArray(n.inputs) ? n.inputs.length : what(n.inputs)}`);
    }
    for (const i of n.inputs) {
      if (!Number.isInteger(i) || i < 0 || !(i < n.id)) throw modelError(`model '${name}': node %${n.id} reads %${i}, which is not earlier (cycle or foreign node)`);
    }
    if (!Array.isArray(n.shape)) throw modelError(`model '${name}': node %${index} has no shape array`);
    n.shape.forEach((d) => checkDim(d, `model '${name}': node %${index} (${describeOp(n)})`));
  });
  const seen = new Set<string>();
  for (const o of m.outputs) {
    if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || o.name.length === 0) throw modelError(`model '${name}': an output needs a non-empty name, got ${what(o?.name)}`);
    if (seen.has(o.name)) throw modelError(`model '${name}': duplicate output name '${o.name}'`);
    seen.add(o.name);
    if (!Number.isInteger(o.node) || nodes[o.node] === undefined) {
      throw modelError(`model '${name}': output '${o.name}' is not a node of this model's graph (node ${what(o.node)}, graph has ${nodes.length} nodes)`);
    }
  }
  const inputNames = new Set<string>();
  const listed = new Set<NodeId>();
  for (const i of m.inputs) {
    if (typeof i !== 'object' || i === null || typeof i.name !== 'string' || i.name.length === 0) throw modelError(`model '${name}': an input needs a non-empty name, got ${what(i?.name)}`);
    if (inputNames.has(i.name)) throw modelError(`model '${name}': duplicate input name '${i.name}'`);
    inputNames.add(i.name);
    const n = Number.isInteger(i.node) ? nodes[i.node] : undefined;
    if (n === undefined) throw modelError(`model '${name}': input '${i.name}' is not a node of this model's graph (node ${what(i.node)})`);
    if (n.op !== 'input') throw modelError(`model '${name}': input '${i.name}' points at %${n.id}, a ${n.op} node, not an input`);
    if (n.name !== i.name) throw modelError(`model '${name}': input '${i.name}' points at %${n.id}, which is the input named '${n.name}'`);
    if (listed.has(n.id)) throw modelError(`model '${name}': inputs '${i.name}' and another entry both point at %${n.id}`);
    listed.add(n.id);
  }
  for (const n of liveNodes(m)) {
    if (n.op === 'input' && !listed.has(n.id)) throw modelError(`model '${name}': input '${n.name}' (%${n.id}) is used by the outputs but missing from model.inputs`);
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
  const v = getOwn(dims, d);
  if (v === undefined) throw bindingError(`symbolic dim '${d}' is not bound`);
  return v;
}

/**
 * Binds symbolic dims to numbers and returns every node's concrete shape. Broadcasts and reshapes
 * that could not be checked symbolically are checked here.
 */
export function bindShapes(m: ModelIR, dims: Dims): ConcreteShape[] {
  validateModel(m);
  if (typeof dims !== 'object' || dims === null || Array.isArray(dims)) throw bindingError(`dims must be an object of symbol sizes, e.g. { B: 64 }, got ${what(dims)}`);
  const symbols = symbolsOf(m);
  for (const [k, v] of Object.entries(dims)) {
    if (!symbols.has(k)) throw bindingError(`dim '${k}' is not used by model '${m.name}' (its dims: ${[...symbols.keys()].join(', ') || 'none'})`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw bindingError(`dim '${k}' must be bound to a positive integer, got ${typeof v === 'string' ? `the string ${JSON.stringify(v)}` : String(v)}`);
    }
  }
  for (const [s, where] of symbols) {
    if (getOwn(dims, s) === undefined) throw bindingError(`symbolic dim '${s}' (used by ${where}) is not bound; pass dims: { ${s}: <size> }`);
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
