/**
 * The plan as Graphviz DOT for the viewer: one cluster per fused operator (coloured by template),
 * member ops inside, materialized intermediates and model outputs marked, edges between operators
 * drawn as memory reads. Every cluster and node carries an `id` (`op3`, `op3_n12`, `leaf0`) that
 * Graphviz copies into the SVG, so the page's script can map a click to its operator.
 */
import { describeOp } from '../ir/graph.js';
import type { NodeId } from '../ir/node.js';
import { nodeName } from './text.js';
import type { Plan, Template } from '../plan/plan.js';

export const TEMPLATE_COLORS: Readonly<Record<Template, { fill: string; border: string }>> = {
  single: { fill: '#eeeeee', border: '#9e9e9e' },
  cell: { fill: '#d6ebff', border: '#4a90d9' },
  magg: { fill: '#ffe6c2', border: '#e08a1e' },
  row: { fill: '#dcf5d4', border: '#4caf50' },
  matmul: { fill: '#f3d9f5', border: '#a64dad' },
};

export const MATERIALIZED_FILL = '#fff59d';
export const OUTPUT_FILL = '#ffffff';

const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const fmtMs = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);
const fmtShape = (s: readonly number[] | undefined): string => `[${(s ?? []).join('x')}]`;

export const memberDotId = (op: number, node: NodeId): string => `op${op}_n${node}`;
export const leafDotId = (node: NodeId): string => `leaf${node}`;

/** DOT source for the viewer (see the module comment for the ids). */
export function viewerDot(plan: Plan): string {
  const g = plan.model.graph;
  const modelOutputs = new Map(plan.model.outputs.map((o) => [o.node, o.name] as const));
  const materialized = new Set(plan.materialized);
  const opsOf = new Map<NodeId, number[]>();
  for (const op of plan.ops) for (const m of op.members) opsOf.set(m, [...(opsOf.get(m) ?? []), op.id]);
  const producerOf = new Map<NodeId, number>();
  for (const op of plan.ops) for (const o of op.outputs) producerOf.set(o, op.id);

  const lines: string[] = [
    `digraph ${q(plan.model.name)} {`,
    '  rankdir=TB; newrank=true; compound=true;',
    '  graph [fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.35];',
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Courier", fontsize=10, margin="0.08,0.03"];',
    '  edge [color="#555555", arrowsize=0.6];',
  ];
  for (const op of plan.ops) {
    const c = TEMPLATE_COLORS[op.template];
    const cost = plan.costs[op.id];
    lines.push(`  subgraph cluster_op${op.id} {`);
    lines.push(`    id=${q(`op${op.id}`)}; class="fp-op"; style="filled,rounded"; fillcolor=${q(c.fill)}; color=${q(c.border)}; penwidth=1.5;`);
    lines.push(`    label=${q(`op ${op.id} · ${op.template} · ${cost ? fmtMs(cost.ms) : ''}`)}; labeljust=l; fontcolor=${q(c.border)};`);
    for (const m of op.members) {
      const out = modelOutputs.get(m);
      const written = op.outputs.includes(m);
      const recomputed = (opsOf.get(m)?.length ?? 0) > 1;
      const label = [
        `%${m} ${describeOp(g.node(m))}`,
        fmtShape(plan.shapes[m]),
        ...(out !== undefined ? [`output '${out}'`] : written && materialized.has(m) ? ['materialized'] : []),
        ...(recomputed ? [`recomputed in ops ${opsOf.get(m)!.join(', ')}`] : []),
      ].join('\n');
      const attrs = [`id=${q(memberDotId(op.id, m))}`, `class="fp-node"`, `label=${q(label)}`];
      if (written && out !== undefined) attrs.push(`fillcolor=${q(OUTPUT_FILL)}`, 'penwidth=2.5', 'peripheries=2');
      else if (written) attrs.push(`fillcolor=${q(MATERIALIZED_FILL)}`, 'penwidth=2.5', 'peripheries=2');
      if (recomputed) attrs.push('style="rounded,filled,dashed"');
      lines.push(`    ${q(memberDotId(op.id, m))} [${attrs.join(', ')}];`);
    }
    lines.push('  }');
  }

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
      lines.push(`  ${q(id)} [id=${q(id)}, class="fp-leaf", label=${q(label)}, shape=${shape}, style=${n.op === 'const' ? '""' : '"filled"'}, fillcolor="#f7f7f7"];`);
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
          const src = source(i);
          const fromOp = producerOf.has(i);
          lines.push(`  ${q(src)} -> ${q(memberDotId(op.id, m))} [style=${fromOp ? 'dashed' : 'dotted'}, color=${fromOp ? '"#c62828"' : '"#999999"'}${fromOp ? ', penwidth=1.3' : ''}];`);
        }
      }
    }
  }
  lines.push('}');
  return lines.join('\n');
}
