/**
 * What the plan viewer shows, as plain JSON: per fused operator its members, estimated cost, the
 * planner's decisions touching it and the WGSL of its kernels. Embedded into the page as data; the
 * page's script renders it on click.
 */
import type { CompiledModel } from '../api/compile.js';
import { describeOp } from '../ir/graph.js';
import type { NodeId } from '../ir/node.js';
import { describeReason, nodeName } from '../explain/text.js';
import type { Decision, Plan } from '../plan/plan.js';

export interface ViewerTensor {
  readonly id: NodeId;
  readonly name: string;
  readonly shape: readonly number[];
  /** The node's op, e.g. `add`, `input 'x'`, `const 0.5`. */
  readonly op: string;
}

export interface ViewerMember extends ViewerTensor {
  /** Written to memory by this operator (a model output or a materialized intermediate). */
  readonly written: boolean;
  readonly modelOutput: boolean;
}

export interface ViewerDecision {
  readonly producer: string;
  /** Absent for node-level decisions (model outputs, pins). */
  readonly consumer?: string;
  /** 'fused' or 'cut' (the consumer reads the producer from memory). */
  readonly outcome: 'cut' | 'fused';
  readonly kind: Decision['reason']['kind'];
  readonly explanation: string;
  /** For decisions made by cost: the chosen alternative's plan cost and the other one's. */
  readonly chosenMs?: number;
  readonly alternativeMs?: number;
}

export interface ViewerKernel {
  readonly label: string;
  readonly entryPoint: string;
  readonly dispatch: readonly number[];
  readonly wgsl: string;
}

export interface ViewerOp {
  readonly id: number;
  readonly template: string;
  readonly members: readonly ViewerMember[];
  readonly inputs: readonly ViewerTensor[];
  readonly outputs: readonly ViewerTensor[];
  readonly cost: { readonly ms: number; readonly launches: number; readonly bytesRead: number; readonly bytesWritten: number; readonly flops: number };
  readonly decisions: readonly ViewerDecision[];
  readonly kernels: readonly ViewerKernel[];
}

export interface ViewerData {
  readonly model: string;
  readonly strategy: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly estimatedMs: number;
  readonly planningMs: number;
  readonly kernelCount: number;
  readonly search: Plan['search'];
  readonly materialized: readonly ViewerTensor[];
  readonly ops: readonly ViewerOp[];
  /** `fuseplan explain`'s text output, for reference. */
  readonly text: string;
}

/** The label codegen gives an operator's kernels (KernelSpec.op), see src/codegen/lower.ts. */
const kernelOpLabel = (opId: number): string => `op${opId}`;

/** Collects the viewer's data from a compiled model. */
export function viewerData(compiled: CompiledModel): ViewerData {
  const plan = compiled.plan;
  const g = plan.model.graph;
  const outputs = new Set(plan.model.outputs.map((o) => o.node));
  const tensor = (id: NodeId): ViewerTensor => ({ id, name: nodeName(plan, id), shape: plan.shapes[id] ?? [], op: describeOp(g.node(id)) });
  const ops = plan.ops.map((op): ViewerOp => {
    const members = new Set(op.members);
    const c = plan.costs[op.id];
    const touching = plan.decisions.filter((d) => members.has(d.producer) || (d.consumer !== undefined && members.has(d.consumer)));
    return {
      id: op.id,
      template: op.template,
      members: op.members.map((m) => ({ ...tensor(m), written: op.outputs.includes(m), modelOutput: outputs.has(m) })),
      inputs: op.inputs.map(tensor),
      outputs: op.outputs.map(tensor),
      cost: { ms: c?.ms ?? 0, launches: c?.launches ?? 0, bytesRead: c?.bytesRead ?? 0, bytesWritten: c?.bytesWritten ?? 0, flops: c?.flops ?? 0 },
      decisions: touching.map((d) => ({
        producer: nodeName(plan, d.producer),
        ...(d.consumer !== undefined ? { consumer: nodeName(plan, d.consumer) } : {}),
        outcome: d.outcome,
        kind: d.reason.kind,
        explanation: describeReason(d),
        ...(d.reason.kind === 'cost' ? { chosenMs: d.reason.chosenMs, alternativeMs: d.reason.alternativeMs } : {}),
      })),
      kernels: compiled.executable.kernels
        .filter((k) => k.op === kernelOpLabel(op.id))
        .map((k) => ({ label: k.label, entryPoint: k.entryPoint, dispatch: [...k.dispatch], wgsl: k.wgsl })),
    };
  });
  return {
    model: plan.model.name,
    strategy: plan.strategy,
    dims: plan.dims,
    estimatedMs: plan.estimatedMs,
    planningMs: plan.planningMs,
    kernelCount: compiled.executable.kernels.length,
    search: plan.search,
    materialized: plan.materialized.map(tensor),
    ops,
    text: compiled.explain('text'),
  };
}
