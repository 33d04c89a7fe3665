import { match } from 'ts-pattern';
import { describeOp } from '../ir/graph.js';
import type { NodeId } from '../ir/node.js';
import type { Decision, Plan } from '../plan/plan.js';
import type { ExplainJSON } from './plan-json.js';
import { precisionJSON, precisionLines } from './precision.js';

export const fmtMs = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);
export const fmtBytes = (b: number): string => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

/** The name a user knows a node by: the input's or output's name, else %id. */
export function nodeName(plan: Plan, id: NodeId): string {
  const n = plan.model.graph.node(id);
  if (n.op === 'input') return n.name;
  const out = plan.model.outputs.find((o) => o.node === id);
  return out ? `%${id}(${out.name})` : `%${id}`;
}

export function describeReason(d: Decision): string {
  return match(d.reason)
    .with({ kind: 'template' }, (r) => `template rule: ${r.rule}`)
    .with({ kind: 'limit' }, (r) => `device limit ${r.limit}: the fused kernel would need ${r.needed}, the device allows ${r.allowed}`)
    .with({ kind: 'pin' }, () => 'pinned as materialized by the user')
    .with({ kind: 'cost' }, (r) => {
      const vs = `${fmtMs(r.chosenMs)} as chosen vs ${fmtMs(r.alternativeMs)}`;
      if (r.by === 'guard') return `cost (guard: ${r.contender ?? 'a baseline'} beat the search's plan): ${vs} for the search's plan`;
      return `cost${r.by === 'heuristic' ? ' (heuristic search, not proven optimal)' : ''}: ${vs} if ${d.outcome === 'cut' ? 'fused' : 'materialized'}`;
    })
    .with({ kind: 'strategy' }, (r) => `strategy ${r.strategy}`)
    .with({ kind: 'output' }, () => 'model output')
    .exhaustive();
}

export interface ExplainExtras {
  /** Per-op notes from codegen (kernel count, vector width...), by op id. */
  readonly kernelNotes?: readonly string[];
  readonly memory?: { readonly peakBytes: number; readonly totalIntermediateBytes: number };
}

export function explainText(plan: Plan, extras: ExplainExtras = {}): string {
  const s = plan.search;
  const shape = (id: NodeId): string => `[${plan.shapes[id]!.join(', ')}]`;
  const lines: string[] = [];
  lines.push(`plan '${plan.model.name}'  strategy ${plan.strategy}  dims ${JSON.stringify(plan.dims)}`);
  lines.push(
    `  ${plan.ops.length} fused operators, ${plan.costs.reduce((a, c) => a + c.launches, 0)} kernel launches, estimated ${fmtMs(plan.estimatedMs)}; planned in ${fmtMs(plan.planningMs)}`,
  );
  if (plan.strategy === 'cost') {
    lines.push(`  search: ${s.partitions} partitions, ${s.interestingPoints} interesting points, ${s.plansEvaluated} plans costed, ${s.plansPruned} pruned, ${s.exhaustive ? 'exhaustive' : 'HEURISTIC (a partition exceeded the exhaustive limit of points or the search budget)'}`);
  }
  if (extras.memory) {
    lines.push(`  memory: peak ${fmtBytes(extras.memory.peakBytes)} of intermediates live at once (${fmtBytes(extras.memory.totalIntermediateBytes)} if none were reused)`);
  }
  for (const op of plan.ops) {
    const c = plan.costs[op.id]!;
    lines.push('');
    lines.push(`op ${op.id}  ${op.template}  -> ${op.outputs.map((o) => `${nodeName(plan, o)} ${shape(o)}`).join(', ')}`);
    lines.push(`    estimated ${fmtMs(c.ms)}: ${c.launches} launch${c.launches > 1 ? 'es' : ''}, reads ${fmtBytes(c.bytesRead)}, writes ${fmtBytes(c.bytesWritten)}, ${(c.flops / 1e6).toFixed(2)} Mflop (weighted)`);
    if (extras.kernelNotes?.[op.id]) lines.push(`    kernel: ${extras.kernelNotes[op.id]}`);
    lines.push(`    members: ${op.members.map((m) => `%${m} ${describeOp(plan.model.graph.node(m))}`).join(', ')}`);
    lines.push(`    reads:   ${op.inputs.map((i) => `${nodeName(plan, i)} ${shape(i)}`).join(', ') || '(none)'}`);
  }
  if (plan.materialized.length > 0) {
    lines.push('');
    lines.push(`materialized intermediates: ${plan.materialized.map((m) => `${nodeName(plan, m)} ${shape(m)}`).join(', ')}`);
  }
  if (plan.precision) {
    lines.push('');
    lines.push(...precisionLines(plan, plan.precision, (id) => nodeName(plan, id)));
  }
  const edges = plan.decisions.filter((d) => d.consumer !== undefined);
  if (edges.length > 0) {
    lines.push('');
    lines.push('decisions (producer -> consumer):');
    for (const d of edges) lines.push(`  ${nodeName(plan, d.producer)} -> %${d.consumer}: ${d.outcome === 'cut' ? 'read from memory' : 'fused'} (${describeReason(d)})`);
  }
  return lines.join('\n');
}

/** The plan as JSON (the fields the CLI's --format json prints). */
export function explainJSON(plan: Plan, extras: ExplainExtras = {}): ExplainJSON {
  return {
    model: plan.model.name,
    strategy: plan.strategy,
    dims: plan.dims,
    nodes: plan.model.graph.nodes.length,
    operators: plan.ops.map((op) => ({
      id: op.id,
      template: op.template,
      nodes: op.members.map((m) => ({ id: m, op: describeOp(plan.model.graph.node(m)), shape: plan.shapes[m]! })),
      inputs: op.inputs.map((i) => ({ id: i, name: nodeName(plan, i), shape: plan.shapes[i]! })),
      outputs: op.outputs.map((o) => ({ id: o, name: nodeName(plan, o), shape: plan.shapes[o]! })),
      estimatedMs: plan.costs[op.id]!.ms,
      launches: plan.costs[op.id]!.launches,
      bytesRead: plan.costs[op.id]!.bytesRead,
      bytesWritten: plan.costs[op.id]!.bytesWritten,
      ...(extras.kernelNotes?.[op.id] ? { kernel: extras.kernelNotes[op.id] } : {}),
    })),
    materialized: plan.materialized.map((m) => ({ id: m, name: nodeName(plan, m), shape: plan.shapes[m]! })),
    decisions: plan.decisions.map((d) => ({ ...d, explanation: describeReason(d) })),
    estimatedMs: plan.estimatedMs,
    planningMs: plan.planningMs,
    search: plan.search,
    ...(extras.memory ? { memory: extras.memory } : {}),
    ...(plan.precision ? { precision: precisionJSON(plan.precision, (id) => nodeName(plan, id)) } : {}),
  };
}
