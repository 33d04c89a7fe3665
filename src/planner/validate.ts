import { match } from 'ts-pattern';
import type { NodeId } from '../ir/node.js';
import { broadcastsInto, sameConcrete } from '../ir/shape.js';
import { isLeaf, type PlanContext } from './context.js';
import { isRowReduce } from './memo.js';
import { bindingsOf } from './limits.js';
import type { FusedOp, Plan } from '../plan/plan.js';
import { topoOrder } from './planner.js';
import { aliasBase } from '../ir/alias.js';

const same = sameConcrete;
const into = broadcastsInto;

/**
 * Checks a plan's invariants (see FusedOp in plan.ts); returns the violations, empty when valid.
 * Used by tests on every strategy's plans, and cheap enough to run on every compile.
 */
export function validatePlan(ctx: PlanContext, plan: Plan): string[] {
  const errs: string[] = [];
  const writer = new Map<NodeId, number>();
  for (const op of plan.ops) {
    for (const o of op.outputs) {
      if (writer.has(o)) errs.push(`%${o} is written by ops ${writer.get(o)} and ${op.id}`);
      writer.set(o, op.id);
      if (!op.members.includes(o)) errs.push(`op ${op.id}: output %${o} is not a member`);
    }
  }
  const computed = new Set(plan.ops.flatMap((o) => o.members));
  for (const n of ctx.live) {
    if (isLeaf(n) || n.op === 'reshape') continue;
    if (!computed.has(n.id)) errs.push(`%${n.id} is computed by no operator`);
  }
  for (const o of ctx.outputs) {
    const base = aliasBase(ctx, o);
    if (!isLeaf(ctx.node(base)) && !writer.has(base)) errs.push(`output %${o} is never written`);
  }
  for (const op of plan.ops) {
    const inside = new Set(op.members);
    for (const m of op.members) {
      const n = ctx.node(m);
      if (isLeaf(n) || n.op === 'reshape') errs.push(`op ${op.id}: %${m} (${n.op}) cannot be a member`);
      for (const i of n.inputs) {
        if (inside.has(i)) continue;
        if (!op.inputs.includes(i)) errs.push(`op ${op.id}: %${m} reads %${i}, which is neither a member nor an input`);
        const base = aliasBase(ctx, i);
        if (!isLeaf(ctx.node(base)) && !writer.has(base)) errs.push(`op ${op.id} reads %${i}, which no operator writes`);
      }
      if (n.op === 'transpose' && inside.has(n.inputs[0]!)) errs.push(`op ${op.id}: transpose %${m} must read its operand from memory`);
    }
    if (op.inputs.some((i) => inside.has(i))) errs.push(`op ${op.id}: an input is also a member`);
    if (bindingsOf(ctx, op) > ctx.limits.maxStorageBuffersPerShaderStage) errs.push(`op ${op.id}: ${bindingsOf(ctx, op)} storage buffers exceed the limit`);
    errs.push(...templateErrors(ctx, op));
  }
  try {
    topoOrder(plan.ops, (id) => aliasBase(ctx, id));
  } catch {
    errs.push('cycle between fused operators');
  }
  return errs;
}

function templateErrors(ctx: PlanContext, op: FusedOp): string[] {
  const nodes = op.members.map((m) => ctx.node(m));
  const reduces = nodes.filter((n) => n.op === 'reduce');
  const mms = nodes.filter((n) => n.op === 'matmul');
  const e = (msg: string): string => `op ${op.id} (${op.template}): ${msg}`;
  return match(op.template)
    .with('single', () => (op.members.length === 1 ? [] : [e('a single op has one member')]))
    .with('cell', () => {
      if (mms.length > 0) return [e('contains a matmul')];
      if (reduces.length > 1) return [e('more than one reduction')];
      if (reduces.length === 1) return op.outputs.length === 1 && op.outputs[0] === reduces[0]!.id ? [] : [e('a reduction must be the only output')];
      const S = ctx.shapes[op.outputs[0]!]!;
      const errs = op.outputs.filter((o) => !same(ctx.shapes[o]!, S)).map((o) => e(`output %${o} differs from the iteration space`));
      return errs.concat(op.members.filter((m) => !into(ctx.shapes[m]!, S)).map((m) => e(`member %${m} does not broadcast into the space`)));
    })
    .with('magg', () => {
      if (mms.length > 0) return [e('contains a matmul')];
      const sigs = new Set(op.outputs.map((o) => {
        const n = ctx.node(o);
        return n.op === 'reduce' ? `${ctx.shapes[n.inputs[0]!]!.join('x')}|${n.axes.join(',')}` : 'not-a-reduction';
      }));
      return sigs.size === 1 && !sigs.has('not-a-reduction') ? [] : [e('outputs must be reductions over one operand shape and axes')];
    })
    .with('row', () => {
      if (mms.length > 0) return [e('contains a matmul')];
      if (reduces.length === 0 || reduces.some((r) => !isRowReduce(r, ctx))) return [e('needs row reductions over the last axis only')];
      const S = ctx.shapes[reduces[0]!.inputs[0]!]!;
      if (reduces.some((r) => !same(ctx.shapes[r.inputs[0]!]!, S))) return [e('row reductions over different spaces')];
      return op.members
        .filter((m) => ctx.node(m).op !== 'reduce' && !into(ctx.shapes[m]!, S))
        .map((m) => e(`member %${m} [${ctx.shapes[m]!.join(', ')}] is outside the row space [${S.join(', ')}]`));
    })
    .with('matmul', () => {
      if (mms.length !== 1) return [e('needs exactly one matmul')];
      if (reduces.length > 0) return [e('contains a reduction')];
      return [];
    })
    .exhaustive();
}
