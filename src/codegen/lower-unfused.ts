import type { Indexing } from './wgsl.js';
import { match } from 'ts-pattern';
import { aliasBase } from '../ir/alias.js';
import { describeOp } from '../ir/graph.js';
import { bindShapes, liveNodes, type Dims, type ModelIR } from '../ir/model.js';
import type { Node, NodeId } from '../ir/node.js';
import { numel } from '../ir/shape.js';
import type { BufferId, BufferSpec, Executable, KernelSpec } from './kernel.js';
import { singleOpKernel } from './unfused.js';

export interface LowerOptions {
  readonly maxWorkgroupsPerDim: number;
  /** Sizes as WGSL literals (default) or uniforms (see Indexing). */
  readonly indexing?: Indexing;
}

/**
 * Lowers a model to one kernel per primitive node (strategy `none`). Every node gets its own
 * buffer; reshapes alias their input's buffer, since row-major data does not move.
 */
export function lowerUnfused(m: ModelIR, dims: Dims, opts: LowerOptions): Executable {
  const shapes = bindShapes(m, dims);
  const outputNodes = new Set(m.outputs.map((o) => o.node));
  const buffers: BufferSpec[] = [];
  const kernels: KernelSpec[] = [];
  const bufOf = new Map<NodeId, BufferId>();
  const addBuffer = (spec: Omit<BufferSpec, 'id'>): BufferId => {
    buffers.push({ ...spec, id: buffers.length });
    return buffers.length - 1;
  };
  const compute = (n: Node, bytes: number): BufferId => {
    const id = addBuffer({ bytes, kind: outputNodes.has(n.id) ? 'output' : 'intermediate', label: `%${n.id}` });
    const shape = shapes[n.id]!;
    const k = singleOpKernel({
      node: n,
      shape,
      inputShapes: n.inputs.map((i) => shapes[i]!),
      maxWorkgroupsPerDim: opts.maxWorkgroupsPerDim,
      indexing: opts.indexing ?? 'literal',
    });
    kernels.push({
      label: `%${n.id} ${describeOp(n)}`,
      op: `%${n.id}`,
      wgsl: k.wgsl,
      entryPoint: 'main',
      buffers: [...n.inputs.map((i) => bufOf.get(i)!), id],
      writes: 1,
      uniforms: k.uniforms,
      dispatch: k.dispatch,
      workgroupBytes: k.workgroupBytes,
    });
    return id;
  };
  for (const n of liveNodes(m)) {
    const bytes = Math.max(4, numel(shapes[n.id]!) * 4);
    const buffer = match(n)
      .with({ op: 'reshape' }, () => bufOf.get(aliasBase(m.graph, n.id))!)
      .with({ op: 'input' }, (x) => addBuffer({ bytes, kind: 'input', label: x.name }))
      .with({ op: 'const' }, (x) => addBuffer({ bytes, kind: 'const', label: `%${x.id}`, data: Float32Array.from(x.data) }))
      .with({ op: 'unary' }, { op: 'binary' }, { op: 'where' }, { op: 'broadcast' }, { op: 'transpose' }, { op: 'reduce' }, { op: 'matmul' }, (x) => compute(x, bytes))
      .exhaustive();
    bufOf.set(n.id, buffer);
  }
  const named = (name: string, node: NodeId) => ({ name, buffer: bufOf.get(node)!, length: numel(shapes[node]!), shape: shapes[node]! });
  return {
    buffers,
    kernels,
    inputs: m.inputs.filter((i) => bufOf.has(i.node)).map((i) => named(i.name, i.node)),
    outputs: m.outputs.map((o) => named(o.name, o.node)),
  };
}
