/**
 * Lowers a plan (fused operators in execution order) to an Executable: one or two kernels per
 * operator from its template, buffers for inputs, constants and materialized tensors, and reuse of
 * intermediate buffers across operators whose lifetimes do not overlap.
 */
import { F16_HELPERS, type Indexing } from './wgsl.js';
import { match } from 'ts-pattern';
import { describeOp, type Graph } from '../ir/graph.js';
import { limitError, modelError } from '../ir/errors.js';
import type { ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import { numel, type ConcreteShape } from '../ir/shape.js';
import type { FusedOp } from '../plan/plan.js';
import type { DeviceLimits } from '../ir/limits.js';
import type { BufferId, BufferSpec, Executable, KernelSpec, NamedBuffer } from './kernel.js';
import { planMemory, type MemoryPlan, type MemoryStep } from './memory.js';
import { cellTemplate, type CellOptions } from './templates/cell.js';
import { checkWorkgroupMemory, type OpLowering, type Slot, type TemplateContext } from './templates/common.js';
import { matmulTemplate } from './templates/matmul.js';
import { reduceTemplate, type ReduceOptions } from './templates/reduce.js';
import { rowTemplate, type RowOptions } from './templates/row.js';
import { singleTemplate } from './templates/single.js';
import { aliasBase } from '../ir/alias.js';

/** Kernels index tensors with u32 arithmetic; spaces up to 2^31 - 1 elements leave it headroom. */
const MAX_ELEMENTS = 2 ** 31 - 1;

export interface LowerPlanOptions {
  readonly limits: DeviceLimits;
  /** Kernel variants, for benchmarks. */
  readonly cell?: CellOptions;
  readonly row?: RowOptions;
  readonly reduce?: ReduceOptions;
  /** Sizes as WGSL literals (default: kernels specialised to the shapes) or uniforms. */
  readonly indexing?: Indexing;
  /** Intermediates stored as f16 (the plan's precision choices); default none. */
  readonly f16?: ReadonlySet<NodeId>;
}

export interface LoweredPlan {
  readonly executable: Executable;
  readonly memory: {
    /** Max over the run of the bytes of live intermediates (and two-pass scratch). */
    readonly peakBytes: number;
    /** Sum of all intermediate tensor sizes (no reuse). */
    readonly totalIntermediateBytes: number;
    /** Bytes of the pooled intermediate/scratch buffers the runtime allocates. */
    readonly allocatedBytes: number;
  };
  /** Kernels per operator, in op order (2 for two-pass reductions). */
  readonly kernelsPerOp: number[];
}

/** The kernels of one fused operator, by template, each checked against the workgroup memory limit. */
function lowerOp(ctx: TemplateContext, opts: Omit<LowerPlanOptions, 'limits'> = {}): OpLowering {
  const { op, graph } = ctx;
  const lowering = match(op.template)
    .with('single', () => singleTemplate(ctx))
    .with('cell', () => (op.members.some((m) => graph.node(m).op === 'reduce') ? reduceTemplate(ctx, opts.reduce) : cellTemplate(ctx, opts.cell)))
    .with('magg', () => reduceTemplate(ctx, opts.reduce))
    .with('row', () => rowTemplate(ctx, opts.row))
    .with('matmul', () => matmulTemplate(ctx))
    .exhaustive();
  for (const k of lowering.kernels) checkWorkgroupMemory(ctx, k);
  return lowering;
}

export function lowerPlan(model: ModelIR, shapes: readonly ConcreteShape[], ops: readonly FusedOp[], opts: LowerPlanOptions): LoweredPlan {
  const g = model.graph;
  const base = (id: NodeId): NodeId => aliasBase(g, id);
  const producedBy = checkOrder(g, ops);
  checkTensorSizes(model, shapes, ops, opts.limits);
  const f16 = opts.f16 ?? new Set<NodeId>();
  const lowered = ops.map((op) => lowerOp({ graph: g, shapes, op, members: new Set(op.members), limits: opts.limits, indexing: opts.indexing ?? 'literal', f16 }, opts));

  // Tensors that outlive the run (model outputs, also through reshapes) are never pooled.
  const pinned = new Set(model.outputs.map((o) => base(o.node)));
  const bytesOf = (id: NodeId): number => numel(shapes[id]!) * (f16.has(id) ? 2 : 4);
  const pooled = (id: NodeId): boolean => producedBy.has(id) && !pinned.has(id);
  const steps: MemoryStep[] = ops.map((op, i) => ({
    reads: [...new Set(lowered[i]!.kernels.flatMap((k) => k.reads).flatMap((s) => ('node' in s && pooled(base(s.node)) ? [base(s.node)] : [])))],
    writes: op.outputs.filter(pooled).map((id) => ({ id, bytes: bytesOf(id) })),
    scratch: lowered[i]!.scratchBytes,
  }));
  const mem = planMemory(steps);
  const table = new BufferTable(model, shapes, mem, producedBy, pinned);
  const kernels = ops.flatMap((op, i) => kernelSpecs(g, op, lowered[i]!, table, mem.scratchBuffer[i]!, f16));

  const named = (name: string, node: NodeId): NamedBuffer => ({ name, buffer: table.of(node), length: numel(shapes[node]!), shape: shapes[node]! });
  const usedInputs = model.inputs.filter((inp) => table.has(inp.node) || model.outputs.some((o) => base(o.node) === inp.node));
  const outputs = model.outputs.map((o) => named(o.name, o.node));
  const executable: Executable = { buffers: table.buffers, kernels, inputs: usedInputs.map((inp) => named(inp.name, inp.node)), outputs };
  return {
    executable,
    memory: { peakBytes: mem.peakBytes, totalIntermediateBytes: mem.totalTensorBytes, allocatedBytes: mem.allocatedBytes },
    kernelsPerOp: lowered.map((l) => l.kernels.length),
  };
}

/**
 * Checks that ops come in execution order (every input is a leaf or written by an earlier op) and
 * write only their own members, each tensor once; returns the index of the op writing each tensor.
 */
function checkOrder(g: Graph, ops: readonly FusedOp[]): Map<NodeId, number> {
  const producedBy = new Map<NodeId, number>();
  ops.forEach((op, i) => {
    for (const m of op.members) {
      const n = g.node(m);
      if (n.op === 'input' || n.op === 'const' || n.op === 'reshape') throw modelError(`op ${op.id}: %${m} (${n.op}) cannot be a member`);
    }
    for (const inp of op.inputs) {
      const b = g.node(aliasBase(g, inp));
      if (b.op !== 'input' && b.op !== 'const' && !producedBy.has(b.id)) {
        throw modelError(`op ${op.id} reads %${inp}, which no earlier operator writes`);
      }
    }
    for (const o of op.outputs) {
      if (!op.members.includes(o)) throw modelError(`op ${op.id}: output %${o} is not a member`);
      if (producedBy.has(o)) throw modelError(`%${o} is written by op ${ops[producedBy.get(o)!]!.id} and op ${op.id}`);
      producedBy.set(o, i);
    }
  });
  return producedBy;
}

/**
 * The executable's buffers, created on first use (so their order follows the kernels): one per
 * input, constant and model output, and one per physical buffer of the memory plan.
 */
class BufferTable {
  readonly buffers: BufferSpec[] = [];
  private readonly nodeBuffer = new Map<NodeId, BufferId>();
  private readonly pool = new Map<number, BufferId>();

  constructor(
    private readonly model: ModelIR,
    private readonly shapes: readonly ConcreteShape[],
    private readonly mem: MemoryPlan,
    private readonly producedBy: ReadonlyMap<NodeId, number>,
    private readonly pinned: ReadonlySet<NodeId>,
  ) {}

  private add(spec: Omit<BufferSpec, 'id'>): BufferId {
    this.buffers.push({ ...spec, id: this.buffers.length });
    return this.buffers.length - 1;
  }

  /** The buffer of physical pool buffer `phys` (shared by its tenants in turn). */
  pooled(phys: number): BufferId {
    let id = this.pool.get(phys);
    if (id === undefined) {
      const p = this.mem.buffers[phys]!;
      const label = p.tenants.map((t) => (typeof t === 'number' ? `%${t}` : `scratch ${t}`)).join(' | ');
      const kind = p.tenants.some((t) => typeof t === 'number') ? 'intermediate' : 'scratch';
      id = this.add({ bytes: p.bytes, kind, label });
      this.pool.set(phys, id);
    }
    return id;
  }

  /** Whether `node`'s buffer exists yet (inputs no kernel reads get none). */
  has(node: NodeId): boolean {
    return this.nodeBuffer.has(node);
  }

  /** The buffer holding tensor `node` (through reshapes). */
  of(node: NodeId): BufferId {
    const g = this.model.graph;
    const b = aliasBase(g, node);
    const hit = this.nodeBuffer.get(b);
    if (hit !== undefined) return hit;
    const n = g.node(b);
    const bytes = Math.max(4, numel(this.shapes[b]!) * 4);
    let id: BufferId;
    if (n.op === 'input') id = this.add({ bytes, kind: 'input', label: n.name });
    else if (n.op === 'const') id = this.add({ bytes, kind: 'const', label: `%${b}`, data: Float32Array.from(n.data) });
    else if (!this.producedBy.has(b)) throw modelError(`%${node} (${describeOp(n)}) is read or output but no operator writes it`);
    else if (this.pinned.has(b)) id = this.add({ bytes, kind: 'output', label: outputLabel(this.model, b) });
    else id = this.pooled(this.mem.tensorBuffer.get(b)!);
    this.nodeBuffer.set(b, id);
    return id;
  }
}

/** One op's kernels with their slots bound to buffers; `scratch` maps its scratch slots to pool buffers. */
function kernelSpecs(g: Graph, op: FusedOp, lowering: OpLowering, table: BufferTable, scratch: readonly number[], f16: ReadonlySet<NodeId>): KernelSpec[] {
  const slot = (s: Slot): BufferId => ('node' in s ? table.of(s.node) : table.pooled(scratch[s.scratch]!));
  const only = op.template === 'single' && op.members.length === 1 ? ` ${describeOp(g.node(op.members[0]!))}` : '';
  const what = op.outputs.map((o) => `%${o}`).join(',') + only;
  return lowering.kernels.map((k) => ({
    label: `op${op.id} ${op.template} ${what}${k.part !== undefined ? ` ${k.part}` : ''}`,
    op: `op${op.id}`,
    // The directive must precede every declaration; only kernels binding an f16 buffer get it.
    wgsl: [...k.reads, ...k.writes].some((s) => 'node' in s && f16.has(aliasBase(g, s.node))) ? `${F16_HELPERS}\n${k.wgsl}` : k.wgsl,
    entryPoint: 'main',
    buffers: [...k.reads.map(slot), ...k.writes.map(slot)],
    writes: k.writes.length,
    uniforms: k.uniforms,
    dispatch: [k.dispatch[0], k.dispatch[1], k.dispatch[2]],
    workgroupBytes: k.workgroupBytes,
  }));
}

/** An output buffer's label: the output names it holds (a user knows `y`, not `%12`). */
function outputLabel(model: ModelIR, base: NodeId): string {
  const names = model.outputs.filter((o) => aliasBase(model.graph, o.node) === base).map((o) => o.name);
  return names.length > 0 ? `${names.join(', ')} (%${base})` : `%${base}`;
}

/** How a user knows a tensor: its input or output name, else its node and op. */
function tensorName(model: ModelIR, id: NodeId): string {
  const n = model.graph.node(id);
  if (n.op === 'input') return `input '${n.name}'`;
  const outs = model.outputs.filter((o) => o.node === id).map((o) => `'${o.name}'`);
  return outs.length > 0 ? `output ${outs.join(', ')} (%${id} ${describeOp(n)})` : `tensor %${id} (${describeOp(n)})`;
}

/**
 * Device limits on tensors, checked before any kernel is generated so the error names the tensor:
 * every tensor that gets a buffer must fit maxBufferSize, and maxStorageBufferBindingSize when a
 * kernel binds it; every iteration space must fit the kernels' index arithmetic.
 */
function checkTensorSizes(model: ModelIR, shapes: readonly ConcreteShape[], ops: readonly FusedOp[], limits: DeviceLimits): void {
  const g = model.graph;
  const fmt = (id: NodeId): string => `[${shapes[id]!.join(', ')}]`;
  const check = (id: NodeId, bound: boolean): void => {
    const bytes = numel(shapes[id]!) * 4;
    const [limit, name] = bound && limits.maxStorageBufferBindingSize < limits.maxBufferSize ? [limits.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize'] : [limits.maxBufferSize, 'maxBufferSize'];
    if (bytes > limit) throw limitError(`${tensorName(model, id)} of shape ${fmt(id)} needs ${bytes} bytes; the device's ${name} is ${limit}`);
  };
  for (const op of ops) {
    for (const m of op.members) {
      if (numel(shapes[m]!) > MAX_ELEMENTS) throw limitError(`${tensorName(model, m)} of shape ${fmt(m)} has ${numel(shapes[m]!)} elements; kernels handle at most ${MAX_ELEMENTS} (2^31 - 1) per tensor`);
    }
    for (const i of op.inputs) check(aliasBase(g, i), true);
    for (const o of op.outputs) check(o, true);
  }
  for (const o of model.outputs) check(aliasBase(g, o.node), false);
}
