import { match } from 'ts-pattern';
import { inputError } from '../ir/errors.js';
import { getOwn, putOwn } from '../ir/own.js';
import { bindShapes, liveNodes, type Dims, type ModelIR } from '../ir/model.js';
import type { Node, NodeId } from '../ir/node.js';
import { BINARY, REDUCE, UNARY, WHERE } from '../ir/ops.js';
import { broadcastStrides, numel, stridesOf, type ConcreteShape } from '../ir/shape.js';

/** A dense float64 tensor in row-major order. */
export interface RefTensor {
  readonly shape: ConcreteShape;
  readonly data: Float64Array;
}

/**
 * The float64 CPU oracle: evaluates any model DAG with plain JavaScript doubles, one op at a time,
 * exactly following the op table's `ref` semantics. Slow on purpose-simple; correctness only.
 */
export function evaluate(m: ModelIR, dims: Dims, inputs: Readonly<Record<string, ArrayLike<number>>>): Record<string, RefTensor> {
  const shapes = bindShapes(m, dims);
  const values = new Map<NodeId, RefTensor>();
  const get = (id: NodeId): RefTensor => values.get(id)!;
  for (const n of liveNodes(m)) {
    const shape = shapes[n.id]!;
    values.set(n.id, { shape, data: evalNode(n, shape, get, inputs) });
  }
  const out: Record<string, RefTensor> = {};
  for (const o of m.outputs) putOwn(out, o.name, get(o.node));
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
    .with({ op: 'transpose' }, (x) => transpose(arg(0), x.perm))
    .with({ op: 'reduce' }, (x) => reduce(arg(0), x.axes, REDUCE[x.fn].identity, REDUCE[x.fn].ref))
    .with({ op: 'matmul' }, () => matmul(arg(0), arg(1), shape))
    .exhaustive();
}

/** Calls f for every output index with the broadcast-read operand values. */
function mapBroadcast(shape: ConcreteShape, args: readonly RefTensor[], f: (v: number[]) => number): Float64Array {
  const n = numel(shape);
  const out = new Float64Array(n);
  const strides = args.map((a) => broadcastStrides(a.shape, shape));
  const idx = new Array<number>(shape.length).fill(0);
  const offs = new Array<number>(args.length).fill(0);
  const vals = new Array<number>(args.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < args.length; k++) vals[k] = args[k]!.data[offs[k]!]!;
    out[i] = f(vals);
    // Odometer increment of the multi-index, updating operand offsets incrementally.
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < args.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < args.length; k++) offs[k]! -= strides[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

function transpose(a: RefTensor, perm: readonly number[]): Float64Array {
  const outShape = perm.map((p) => a.shape[p]!);
  const inStrides = stridesOf(a.shape);
  const permuted: RefTensor = { shape: outShape, data: a.data };
  // Reading the input with permuted strides is a broadcast-free gather.
  const n = numel(outShape);
  const out = new Float64Array(n);
  const st = perm.map((p) => inStrides[p]!);
  const idx = new Array<number>(outShape.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = a.data[off]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += st[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= st[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  void permuted;
  return out;
}

function reduce(a: RefTensor, axes: readonly number[], identity: number, f: (acc: number, x: number) => number): Float64Array {
  const keepShape = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = stridesOf(keepShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const out = new Float64Array(numel(keepShape)).fill(identity);
  const idx = new Array<number>(a.shape.length).fill(0);
  let off = 0;
  const n = a.data.length;
  for (let i = 0; i < n; i++) {
    out[off] = f(out[off]!, a.data[i]!);
    for (let d = a.shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += outStrides[d]!;
      if (idx[d]! < a.shape[d]!) break;
      off -= outStrides[d]! * a.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

function matmul(a: RefTensor, b: RefTensor, outShape: ConcreteShape): Float64Array {
  const r = outShape.length;
  const M = outShape[r - 2]!;
  const N = outShape[r - 1]!;
  const K = a.shape[a.shape.length - 1]!;
  const batch = r === 3 ? outShape[0]! : 1;
  const aBatch = a.shape.length === 3 && a.shape[0]! > 1 ? M * K : 0;
  const bBatch = b.shape.length === 3 && b.shape[0]! > 1 ? K * N : 0;
  const out = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) {
    const ao = t * aBatch;
    const bo = t * bBatch;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[ao + i * K + k]! * b.data[bo + k * N + j]!;
        out[t * M * N + i * N + j] = s;
      }
    }
  }
  return out;
}
