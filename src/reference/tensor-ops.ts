/**
 * Dense float64 tensor kernels of the reference: broadcasting maps, transpose, reductions and
 * batched products, written for clarity over speed. The evaluator and the error analysis share them.
 */
import { broadcastStrides, numel, stridesOf, type ConcreteShape } from '../ir/shape.js';

/** A dense float64 tensor in row-major order. */
export interface RefTensor {
  readonly shape: ConcreteShape;
  readonly data: Float64Array;
}

/** Calls f for every output index with the broadcast-read operand values. */
export function mapBroadcast(shape: ConcreteShape, args: readonly RefTensor[], f: (v: number[]) => number): Float64Array {
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

export function transposeData(a: RefTensor, perm: readonly number[]): Float64Array {
  const outShape = perm.map((p) => a.shape[p]!);
  const inStrides = stridesOf(a.shape);
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
  return out;
}

export function reduceWith(a: RefTensor, axes: readonly number[], identity: number, f: (acc: number, x: number) => number): Float64Array {
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

export function matmulTerms(a: RefTensor, b: RefTensor, outShape: ConcreteShape): Float64Array {
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
