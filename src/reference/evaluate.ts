import { match } from 'ts-pattern';
import { inputError } from '../ir/errors.js';
import { getOwn, putOwn } from '../ir/own.js';
import { bindShapes, liveNodes, type Dims, type ModelIR } from '../ir/model.js';
import type { Node, NodeId } from '../ir/node.js';
import { BINARY, REDUCE, UNARY, WHERE } from '../ir/ops.js';
import { numel, type ConcreteShape } from '../ir/shape.js';
import { nodeBound } from './error-bound.js';
import { mapBroadcast, matmulTerms, reduceWith, transposeData, type RefTensor } from './tensor-ops.js';

export type { RefTensor };

/**
 * A reference output: the float64 values and, per element, the bound on how far a correct f32
 * device evaluation can be from them (src/reference/error-bound.ts).
 */
export interface BoundedTensor extends RefTensor {
  readonly bound: Float64Array;
}

/**
 * The float64 CPU oracle: evaluates any model DAG with plain JavaScript doubles, one op at a time,
 * exactly following the op table's `ref` semantics. Slow on purpose-simple; correctness only.
 */
export function evaluate(m: ModelIR, dims: Dims, inputs: Readonly<Record<string, ArrayLike<number>>>): Record<string, BoundedTensor> {
  const shapes = bindShapes(m, dims);
  const values = new Map<NodeId, RefTensor>();
  const bounds = new Map<NodeId, RefTensor>();
  const get = (id: NodeId): RefTensor => values.get(id)!;
  const getBound = (id: NodeId): RefTensor => bounds.get(id)!;
  for (const n of liveNodes(m)) {
    const shape = shapes[n.id]!;
    values.set(n.id, { shape, data: evalNode(n, shape, get, inputs) });
    bounds.set(n.id, { shape, data: nodeBound(n, shape, get, getBound) });
  }
  const out: Record<string, BoundedTensor> = {};
  for (const o of m.outputs) putOwn(out, o.name, { ...get(o.node), bound: getBound(o.node).data });
  return out;
}

function evalNode(
  n: Node,
  shape: ConcreteShape,
  get: (id: NodeId) => RefTensor,
  inputs: Readonly<Record<string, ArrayLike<number>>>,
): Float64Array {
  const arg = (k: number): RefTensor => get(n.inputs[k]!);
  return match(n)
    .with({ op: 'input' }, (x) => {
      const v = getOwn(inputs, x.name);
      if (v === undefined) throw inputError(`missing input '${x.name}'`);
      if (v.length !== numel(shape)) throw inputError(`input '${x.name}': expected ${numel(shape)} values for shape [${shape.join(', ')}], got ${v.length}`);
      return Float64Array.from(v);
    })
    .with({ op: 'const' }, (x) => Float64Array.from(x.data))
    .with({ op: 'unary' }, (x) => arg(0).data.map(UNARY[x.fn].ref))
    .with({ op: 'binary' }, (x) => mapBroadcast(shape, [arg(0), arg(1)], (v) => BINARY[x.fn].ref(v[0]!, v[1]!)))
    .with({ op: 'where' }, () => mapBroadcast(shape, [arg(0), arg(1), arg(2)], (v) => WHERE.ref(v[0]!, v[1]!, v[2]!)))
    .with({ op: 'broadcast' }, () => mapBroadcast(shape, [arg(0)], (v) => v[0]!))
    .with({ op: 'reshape' }, () => arg(0).data.slice())
    .with({ op: 'transpose' }, (x) => transposeData(arg(0), x.perm))
    .with({ op: 'reduce' }, (x) => reduceWith(arg(0), x.axes, REDUCE[x.fn].identity, REDUCE[x.fn].ref))
    .with({ op: 'matmul' }, () => matmulTerms(arg(0), arg(1), shape))
    .exhaustive();
}
