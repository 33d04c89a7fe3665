/**
 * The plan as Graphviz DOT, for `explain('dot')` and the viewer alike: one cluster per fused
 * operator (coloured by template), member ops inside, materialized intermediates and model outputs
 * marked, edges between operators drawn as memory reads. With `ids`, every cluster and node also
 * carries an `id` (`op3`, `op3_n12`, `leaf0`) and a class that Graphviz copies into the SVG, so the
 * viewer's script can map a click to its operator.
 */
import { describeOp } from '../ir/graph.js';
import type { NodeId } from '../ir/node.js';
import { nodeName } from './text.js';
import type { FusedOp, Plan, Template } from '../plan/plan.js';

export const TEMPLATE_COLORS: Readonly<Record<Template, { fill: string; border: string }>> = {
  single: { fill: '#eeeeee', border: '#9e9e9e' },
  cell: { fill: '#d6ebff', border: '#4a90d9' },
  magg: { fill: '#ffe6c2', border: '#e08a1e' },
  row: { fill: '#dcf5d4', border: '#4caf50' },
  matmul: { fill: '#f3d9f5', border: '#a64dad' },
};

export const MATERIALIZED_FILL = '#fff59d';
export const OUTPUT_FILL = '#ffffff';

export interface DotOptions {
  /** SVG ids and classes on clusters and nodes (the viewer's click targets). */
  readonly ids?: boolean;
}

const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const fmtMs = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);
const fmtShape = (s: readonly number[] | undefined): string => `[${(s ?? []).join('x')}]`;

const memberDotId = (op: number, node: NodeId): string => `op${op}_n${node}`;
const leafDotId = (node: NodeId): string => `leaf${node}`;

/** DOT source of a plan (see the module comment). */
export function explainDot(plan: Plan, opts: DotOptions = {}): string {
  const lines: string[] = [
    `digraph ${q(plan.model.name)} {`,
    '  rankdir=TB; newrank=true; compound=true;',
    '  graph [fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.35];',
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Courier", fontsize=10, margin="0.08,0.03"];',
    '  edge [color="#555555", arrowsize=0.6];',
  ];
  const opsOf = new Map<NodeId, number[]>();
  for (const op of plan.ops) for (const m of op.members) opsOf.set(m, [...(opsOf.get(m) ?? []), op.id]);
  for (const op of plan.ops) lines.push(...cluster(plan, op, opsOf, opts));
  lines.push(...readEdges(plan, opts));
  lines.push('}');
  return lines.join('\n');
}

/** The DOT the viewer lays out: the same drawing, with click targets. */
export const viewerDot = (plan: Plan): string => explainDot(plan, { ids: true });

/** One operator's cluster with its members; `opsOf` lists the operators computing each member. */
function cluster(plan: Plan, op: FusedOp, opsOf: ReadonlyMap<NodeId, readonly number[]>, opts: DotOptions): string[] {
  const g = plan.model.graph;
  const modelOutputs = new Map(plan.model.outputs.map((o) => [o.node, o.name] as const));
  const materialized = new Set(plan.materialized);
  const c = TEMPLATE_COLORS[op.template];
  const cost = plan.costs[op.id];
  const lines = [
    `  subgraph cluster_op${op.id} {`,
    `    ${opts.ids ? `id=${q(`op${op.id}`)}; class="fp-op"; ` : ''}style="filled,rounded"; fillcolor=${q(c.fill)}; color=${q(c.border)}; penwidth=1.5;`,
    `    label=${q(`op ${op.id} · ${op.template} · ${cost ? fmtMs(cost.ms) : ''}`)}; labeljust=l; fontcolor=${q(c.border)};`,
  ];
  for (const m of op.members) {
    const out = modelOutputs.get(m);
    const written = op.outputs.includes(m);
    const computedIn = opsOf.get(m) ?? [];
    const recomputed = computedIn.length > 1;
    const label = [
      `%${m} ${describeOp(g.node(m))}`,
      fmtShape(plan.shapes[m]),
      ...(out !== undefined ? [`output '${out}'`] : written && materialized.has(m) ? ['materialized'] : []),
      ...(recomputed ? [`recomputed in ops ${computedIn.join(', ')}`] : []),
    ].join('\n');
    const id = memberDotId(op.id, m);
    const attrs = [...(opts.ids ? [`id=${q(id)}`, `class="fp-node"`] : []), `label=${q(label)}`];
    if (written) attrs.push(`fillcolor=${q(out !== undefined ? OUTPUT_FILL : MATERIALIZED_FILL)}`, 'penwidth=2.5', 'peripheries=2');
    if (recomputed) attrs.push('style="rounded,filled,dashed"');
    lines.push(`    ${q(id)} [${attrs.join(', ')}];`);
  }
  lines.push('  }');
  return lines;
}

/** Edges into every member: from members of its own operator, else from where the value is read. */
function readEdges(plan: Plan, opts: DotOptions): string[] {
  const g = plan.model.graph;
  const lines: string[] = [];
  const producerOf = new Map<NodeId, number>();
  for (const op of plan.ops) for (const o of op.outputs) producerOf.set(o, op.id);
  const declared = new Set<string>();
  // Scalar constants (0.5 in gelu, eps in layer norm) are listed in the operator's details only.
  const isScalarConst = (i: NodeId): boolean => {
    const n = g.node(i);
    return n.op === 'const' && n.data.length === 1;
  };
  // The DOT node a value is read from: its producing operator's output node, or a leaf.
  const source = (i: NodeId): string => {
    const p = producerOf.get(i);
    if (p !== undefined) return memberDotId(p, i);
    const id = leafDotId(i);
    if (!declared.has(id)) {
      declared.add(id);
      const n = g.node(i);
      const label = `${n.op === 'input' ? n.name : nodeName(plan, i) + ' ' + describeOp(n)}\n${fmtShape(plan.shapes[i])}`;
      const shape = n.op === 'input' ? 'ellipse' : n.op === 'const' ? 'plaintext' : 'box';
      const ids = opts.ids ? `id=${q(id)}, class="fp-leaf", ` : '';
      lines.push(`  ${q(id)} [${ids}label=${q(label)}, shape=${shape}, style=${n.op === 'const' ? '""' : '"filled"'}, fillcolor="#f7f7f7"];`);
      // A reshape is a view of its operand's buffer: connect it to where that buffer comes from.
      if (n.op === 'reshape') for (const x of n.inputs) lines.push(`  ${q(source(x))} -> ${q(id)} [style=dotted];`);
    }
    return id;
  };
  for (const op of plan.ops) {
    const members = new Set(op.members);
    for (const m of op.members) {
      for (const i of new Set(g.node(m).inputs)) {
        if (members.has(i)) lines.push(`  ${q(memberDotId(op.id, i))} -> ${q(memberDotId(op.id, m))};`);
        else if (!isScalarConst(i)) {
          const fromOp = producerOf.has(i);
          const style = fromOp ? 'style=dashed, color="#c62828", penwidth=1.3' : 'style=dotted, color="#999999"';
          lines.push(`  ${q(source(i))} -> ${q(memberDotId(op.id, m))} [${style}];`);
        }
      }
    }
  }
  return lines;
}
