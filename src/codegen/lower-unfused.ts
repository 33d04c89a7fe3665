import { aliasBase } from '../ir/alias.js';
import { describeOp } from '../ir/graph.js';
import { bindShapes, liveNodes, type Dims, type ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import { numel } from '../ir/shape.js';
import type { BufferId, BufferSpec, Executable, KernelSpec } from './kernel.js';
import { singleOpKernel } from './unfused.js';

export interface LowerOptions {
  readonly maxWorkgroupsPerDim: number;
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
  for (const n of liveNodes(m)) {
    const shape = shapes[n.id]!;
    const bytes = Math.max(4, numel(shape) * 4);
    const label = n.op === 'input' ? n.name : `%${n.id}`;
    if (n.op === 'reshape') {
      bufOf.set(n.id, bufOf.get(aliasBase(m.graph, n.id))!);
      continue;
    }
    if (n.op === 'input') {
      bufOf.set(n.id, addBuffer({ bytes, kind: 'input', label }));
      continue;
    }
    if (n.op === 'const') {
      bufOf.set(n.id, addBuffer({ bytes, kind: 'const', label, data: Float32Array.from(n.data) }));
      continue;
    }
    const id = addBuffer({ bytes, kind: outputNodes.has(n.id) ? 'output' : 'intermediate', label });
    bufOf.set(n.id, id);
    const k = singleOpKernel({
      node: n,
      shape,
      inputShapes: n.inputs.map((i) => shapes[i]!),
      maxWorkgroupsPerDim: opts.maxWorkgroupsPerDim,
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
  }
  const named = (name: string, node: NodeId) => ({ name, buffer: bufOf.get(node)!, length: numel(shapes[node]!), shape: shapes[node]! });
  return {
    buffers,
    kernels,
    inputs: m.inputs.filter((i) => bufOf.has(i.node)).map((i) => named(i.name, i.node)),
    outputs: m.outputs.map((o) => named(o.name, o.node)),
  };
}
