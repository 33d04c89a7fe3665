/**
 * The precision pass: after fusion planning, decide per materialized intermediate whether it is
 * stored as f16 (half the bytes for its write and every read) or stays f32. Arithmetic inside
 * kernels stays f32; only storage changes. An intermediate may be f16 when
 * - the adapter has `shader-f16`,
 * - it is not a reduction result (sums, softmax and norm statistics stay f32),
 * - its producer and every consumer are kernels with an f16 load/store path,
 * - range analysis bounds it below 65504 (after rounding and the error already on it),
 * and the choice pays and keeps every output within budget: the cost model's estimate of the plan
 * drops (bytes halved against the conversions added), and the error the f16 choices add to an
 * output (ranges.ts's addedErrors) is at most maxRelError times the output's magnitude bound. The
 * pass takes candidates greedily, largest saving first, keeping each that does both.
 */
import { aliasBase } from '../ir/alias.js';
import type { Interval } from '../ir/interval.js';
import { magnitude } from '../ir/interval.js';
import type { NodeId } from '../ir/node.js';
import { numel } from '../ir/shape.js';
import { planCost } from '../cost/op-cost.js';
import type { DeviceProfile } from '../cost/profile.js';
import type { FusedOp, Plan, PrecisionChoice, PrecisionOutput, PrecisionReason, Template } from '../plan/plan.js';
import { addedErrors, F16_MAX, F16_ULP, nodeRanges } from './ranges.js';

export interface PrecisionOptions {
  /** The error budget, relative to each output's magnitude bound. */
  readonly maxRelError: number;
  /** Value ranges of inputs by name; an input without one is unbounded (nothing after it is f16). */
  readonly inputRanges?: Readonly<Record<string, Interval>>;
  /** Whether the target adapter has `shader-f16` (when false, everything stays f32). */
  readonly shaderF16: boolean;
}

/** Kernels that load f16 operands (templates over codegen's Bindings); `single` is the unfused baseline. */
const LOADS_F16: ReadonlySet<Template> = new Set(['cell', 'magg', 'row', 'matmul']);
/** Kernels that store f16 outputs: elementwise cells, matmul epilogues, row programs' row-wide values. */
const STORES_F16: ReadonlySet<Template> = new Set(['cell', 'row', 'matmul']);

/** The plan with storage types chosen and its costs charged at 2 bytes per f16 element. */
export function choosePrecision(plan: Plan, profile: DeviceProfile, opts: PrecisionOptions): Plan {
  const g = plan.model.graph;
  const ranges = nodeRanges(g, plan.shapes, opts.inputRanges ?? {});
  const outputs = plan.model.outputs.map((o) => o.node);
  const allowed = (o: NodeId): number => {
    const m = magnitude(ranges[o]!);
    return Number.isFinite(m) ? opts.maxRelError * m : 0;
  };
  const saved = (id: NodeId): number => numel(plan.shapes[id]!) * 2 * (1 + readers(plan, id).length);
  const fixed = new Map<NodeId, PrecisionReason>();
  for (const id of plan.materialized) {
    const r = ineligible(plan, id, ranges[id]!, opts.shaderF16);
    if (r !== null) fixed.set(id, r);
  }
  const candidates = plan.materialized.filter((id) => !fixed.has(id)).sort((a, b) => saved(b) - saved(a) || a - b);
  const f16 = new Set<NodeId>();
  const reasons = new Map(fixed);
  const costGraph = { node: (id: NodeId) => g.node(id), shapes: plan.shapes };
  const estimate = (): number => planCost(costGraph, plan.ops, profile, (id) => (f16.has(aliasBase(g, id)) ? 2 : 4)).ms;
  for (const id of candidates) {
    const f32Ms = estimate();
    f16.add(id);
    const f16Ms = estimate();
    // f16 must pay: the bytes it saves against the conversions it adds.
    if (!(f16Ms < f32Ms)) {
      f16.delete(id);
      reasons.set(id, { kind: 'cost', f16Ms, f32Ms });
      continue;
    }
    const e = addedErrors(g, plan.shapes, ranges, f16);
    // The error already on the value counts towards the f16 range too.
    if ((magnitude(ranges[id]!) + e[id]!) * (1 + F16_ULP) > F16_MAX) {
      f16.delete(id);
      reasons.set(id, { kind: 'overflow', magnitude: magnitude(ranges[id]!) + e[id]! });
      continue;
    }
    const over = outputs.find((o) => !(e[o]! <= allowed(o)));
    if (over === undefined) continue;
    f16.delete(id);
    reasons.set(id, { kind: 'budget', output: over, bound: e[over]!, allowed: allowed(over) });
  }
  const e = addedErrors(g, plan.shapes, ranges, f16);
  const choices: PrecisionChoice[] = plan.materialized.map((id) => ({
    node: id,
    storage: f16.has(id) ? 'f16' : 'f32',
    reason: f16.has(id) ? { kind: 'f16', addedError: e[id]! } : reasons.get(id)!,
    range: ranges[id]!,
    bytesSaved: saved(id),
  }));
  const report: PrecisionOutput[] = plan.model.outputs.map((o) => ({ node: o.node, name: o.name, magnitude: magnitude(ranges[o.node]!), addedError: e[o.node]! }));
  const elemBytes = (id: NodeId): number => (f16.has(aliasBase(g, id)) ? 2 : 4);
  const { costs, ms } = planCost(costGraph, plan.ops, profile, elemBytes);
  return { ...plan, costs, estimatedMs: ms, precision: { maxRelError: opts.maxRelError, choices, outputs: report, f32EstimatedMs: plan.estimatedMs } };
}

/** The operators reading a tensor (directly or through a reshape). */
function readers(plan: Plan, id: NodeId): FusedOp[] {
  const g = plan.model.graph;
  return plan.ops.filter((o) => o.inputs.some((i) => aliasBase(g, i) === id));
}

/** Why an intermediate cannot be f16 whatever the budget, or null when it can. */
function ineligible(plan: Plan, id: NodeId, range: Interval, shaderF16: boolean): PrecisionReason | null {
  const n = plan.model.graph.node(id);
  if (plan.model.outputs.some((o) => aliasBase(plan.model.graph, o.node) === id)) return { kind: 'output' };
  if (!shaderF16) return { kind: 'device' };
  if (n.op === 'reduce') return { kind: 'statistic' };
  const producer = plan.ops.find((o) => o.outputs.includes(id))!;
  const g = plan.model.graph;
  // A row program's per-row values (a mean, 1 / sqrt(var + eps)) are statistics too; its
  // row-wide outputs span the program's whole space, the largest of its members.
  const space = Math.max(...producer.members.map((m) => numel(plan.shapes[m]!)));
  if (producer.template === 'row' && numel(plan.shapes[id]!) < space) return { kind: 'statistic' };
  if (!STORES_F16.has(producer.template) || producer.members.some((m) => g.node(m).op === 'reduce' && producer.template === 'cell')) return { kind: 'kernel', template: producer.template };
  const unable = readers(plan, id).find((o) => !LOADS_F16.has(o.template));
  if (unable !== undefined) return { kind: 'kernel', template: unable.template };
  const m = magnitude(range);
  if (!Number.isFinite(m)) return { kind: 'range' };
  // The stored value must round to a finite f16 even when it is off by a ULP already.
  if (m * (1 + F16_ULP) > F16_MAX) return { kind: 'overflow', magnitude: m };
  return null;
}
