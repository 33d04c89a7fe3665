/**
 * A saved plan (decoded JSON) in words, for `fuseplan explain plan.json`. The JSON has no graph, so
 * this is what the JSON records: operators, estimates, materialized tensors and decisions.
 */
import type { PlanJSON } from './plan-json.js';
import { fmtBytes, fmtMs } from './text.js';

type Tensor = { readonly id: number; readonly name: string; readonly shape: readonly number[] };

/** The names the JSON gives nodes (inputs, outputs, materialized), else %id as explain prints them. */
function namer(p: PlanJSON): (id: number) => string {
  const names = new Map<number, string>();
  const add = (ts: readonly Tensor[]): void => ts.forEach((x) => names.set(x.id, x.name));
  p.operators.forEach((op) => (add(op.inputs), add(op.outputs)));
  add(p.materialized);
  return (id) => names.get(id) ?? `%${id}`;
}

export function savedPlanText(p: PlanJSON): string {
  const name = namer(p);
  const tensor = (x: Tensor): string => `${x.name} [${x.shape.join(', ')}]`;
  const lines = [
    `plan '${p.model}'  strategy ${p.strategy}  dims ${JSON.stringify(p.dims)}  (saved)`,
    `  ${p.operators.length} fused operators, ${p.operators.reduce((a, op) => a + op.launches, 0)} kernel launches, estimated ${fmtMs(p.estimatedMs)}; planned in ${fmtMs(p.planningMs)}`,
  ];
  if (p.profile !== undefined) lines.push(`  cost profile: ${p.profile}`);
  if (p.strategy === 'cost') {
    const s = p.search;
    lines.push(`  search: ${s.partitions} partitions, ${s.interestingPoints} interesting points, ${s.plansEvaluated} plans costed, ${s.plansPruned} pruned, ${s.exhaustive ? 'exhaustive' : 'HEURISTIC'}`);
  }
  if (p.memory) lines.push(`  memory: peak ${fmtBytes(p.memory.peakBytes)} of intermediates live at once (${fmtBytes(p.memory.totalIntermediateBytes)} if none were reused)`);
  for (const op of p.operators) {
    lines.push('', `op ${op.id}  ${op.template}  -> ${op.outputs.map(tensor).join(', ')}`);
    lines.push(`    estimated ${fmtMs(op.estimatedMs)}: ${op.launches} launch${op.launches > 1 ? 'es' : ''}, reads ${fmtBytes(op.bytesRead)}, writes ${fmtBytes(op.bytesWritten)}`);
    if (op.kernel !== undefined) lines.push(`    kernel: ${op.kernel}`);
    lines.push(`    members: ${op.nodes.map((n) => `%${n.id} ${n.op}`).join(', ')}`);
    lines.push(`    reads:   ${op.inputs.map(tensor).join(', ') || '(none)'}`);
  }
  if (p.materialized.length > 0) lines.push('', `materialized intermediates: ${p.materialized.map(tensor).join(', ')}`);
  const edges = p.decisions.filter((d) => d.consumer !== undefined);
  if (edges.length > 0) {
    lines.push('', 'decisions (producer -> consumer):');
    for (const d of edges) lines.push(`  ${name(d.producer)} -> %${d.consumer}: ${d.outcome === 'cut' ? 'read from memory' : 'fused'} (${d.explanation})`);
  }
  return lines.join('\n');
}
