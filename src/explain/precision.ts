/**
 * The precision part of explain: per materialized intermediate its storage type, the bytes f16
 * saves (or would), its range and the error bound, and per output the error the f16 choices may
 * add against its share of the budget. Only plans compiled with a budget have one.
 */
import { match } from 'ts-pattern';
import type { NodeId } from '../ir/node.js';
import type { Plan, PrecisionChoice, PrecisionPlan, PrecisionReason } from '../plan/plan.js';

const sci = (v: number): string => (Number.isFinite(v) ? v.toExponential(1) : String(v));
const num = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : v > 0 ? 'inf' : '-inf');
const bytes = (b: number): string => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

export function describePrecisionReason(r: PrecisionReason, name: (id: NodeId) => string): string {
  return match(r)
    .with({ kind: 'f16' }, (x) => `f16: within budget, adds error <= ${sci(x.addedError)} to the value`)
    .with({ kind: 'budget' }, (x) => `f32: f16 would add error ${sci(x.bound)} to output ${name(x.output)}, over its budget ${x.allowed === 0 ? '0 (its range is unbounded)' : sci(x.allowed)}`)
    .with({ kind: 'overflow' }, (x) => `f32: values up to ${num(x.magnitude)} may overflow f16 (max 65504)`)
    .with({ kind: 'range' }, () => 'f32: range unknown or unbounded (an input without a range, a division by a range holding 0, pow)')
    .with({ kind: 'statistic' }, () => 'f32: a reduction result (statistics stay f32)')
    .with({ kind: 'kernel' }, (x) => `f32: a ${x.template} kernel reads or writes it, and ${x.template} kernels have no f16 path for it`)
    .with({ kind: 'device' }, () => 'f32: the adapter lacks shader-f16, so f16 storage falls back to f32')
    .with({ kind: 'cost' }, (x) => `f32: the cost model does not expect f16 to pay (${fmt(x.f16Ms)} with f16 vs ${fmt(x.f32Ms)})`)
    .with({ kind: 'output' }, () => 'f32: a model output is a reshape of it and shares its buffer (outputs are f32)')
    .exhaustive();
}

/** Lines for explain's text form. */
export function precisionLines(plan: Plan, p: PrecisionPlan, name: (id: NodeId) => string): string[] {
  const shape = (id: NodeId): string => `[${plan.shapes[id]!.join(', ')}]`;
  const f16 = p.choices.filter((c) => c.storage === 'f16');
  const saved = f16.reduce((s, c) => s + c.bytesSaved, 0);
  const lines = [
    `precision: budget ${sci(p.maxRelError)} of each output's magnitude bound; ${f16.length} of ${p.choices.length} intermediates f16, ${bytes(saved)} less moved; estimated ${fmt(p.f32EstimatedMs)} all-f32 -> ${fmt(plan.estimatedMs)}`,
  ];
  if (p.choices.some((c) => c.reason.kind === 'device')) lines.push('  note: the adapter lacks shader-f16: every intermediate stays f32');
  for (const c of p.choices) lines.push(`  ${name(c.node)} ${shape(c.node)} in [${num(c.range[0])}, ${num(c.range[1])}], ${bytes(c.bytesSaved)} ${c.storage === 'f16' ? 'saved' : 'with f16'}: ${describePrecisionReason(c.reason, name)}`);
  for (const o of p.outputs) lines.push(`  output ${name(o.node)}: |value| <= ${num(o.magnitude)}, f16 adds error <= ${sci(o.addedError)} (budget ${sci(p.maxRelError * o.magnitude)})`);
  return lines;
}

const fmt = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);

/** JSON has no infinities: an unbounded number is written as null. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function precisionJSON(p: PrecisionPlan, name: (id: NodeId) => string) {
  const choice = (c: PrecisionChoice) => ({
    id: c.node,
    name: name(c.node),
    storage: c.storage,
    reason: c.reason.kind,
    explanation: describePrecisionReason(c.reason, name),
    range: [finite(c.range[0]), finite(c.range[1])] as [number | null, number | null],
    bytesSaved: c.bytesSaved,
  });
  return {
    maxRelError: p.maxRelError,
    f32EstimatedMs: p.f32EstimatedMs,
    intermediates: p.choices.map(choice),
    outputs: p.outputs.map((o) => ({ id: o.node, name: name(o.node), magnitude: finite(o.magnitude), addedError: finite(o.addedError) })),
  };
}
