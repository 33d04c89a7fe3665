/**
 * Forward error analysis of a model's f32 device evaluation: for every element of every node, a
 * bound on |device value - exact value|, propagated from the inputs' f32 rounding through each op's
 * rule in the op table (sensitivity + accuracy for unary ops, an error function for binary ones,
 * chains of roundings for sums and products; see src/ir/error-rules.ts). The bound is first order
 * and worst case: it scales with each element's magnitude and with the op chain that produced it,
 * so a wrong result on small values is caught where a single absolute tolerance would let it pass.
 * An element whose bound is Infinity is ill-conditioned (a division by something whose error can
 * reach zero, an f32 overflow): nothing can be said about it.
 */
import { match } from 'ts-pattern';
import { F32_MAX, F32_ULP, flush, sumChain } from '../ir/error-rules.js';
import type { Node, NodeId } from '../ir/node.js';
import { BINARY, REDUCE, UNARY } from '../ir/ops.js';
import type { ConcreteShape } from '../ir/shape.js';
import { mapBroadcast, matmulTerms, reduceWith, transposeData, type RefTensor } from './tensor-ops.js';

/**
 * The summation block of the kernels' blocked sums (codegen's SUM_BLOCK; a test keeps the two
 * equal): it bounds the longest chain of dependent additions in any sum the device computes.
 */
export const KERNEL_SUM_BLOCK = 128;

/** The error of an f64 value stored as f32 (inputs and constants). */
const storeError = (x: number): number => (Number.isFinite(x) ? Math.abs(x - Math.fround(x)) + flush(x) : 0);

/** Bounds for node n, given the values of every node and the bounds of its operands. */
export function nodeBound(n: Node, shape: ConcreteShape, value: (id: NodeId) => RefTensor, bound: (id: NodeId) => RefTensor): Float64Array {
  const v = (k: number): RefTensor => value(n.inputs[k]!);
  const e = (k: number): RefTensor => bound(n.inputs[k]!);
  const out = value(n.id);
  const raw = match(n)
    .with({ op: 'input' }, { op: 'const' }, () => out.data.map(storeError))
    .with({ op: 'unary' }, (x) => unaryBound(x.fn, v(0).data, e(0).data, out.data))
    .with({ op: 'binary' }, (x) => {
      const f = BINARY[x.fn].error;
      return mapBroadcast(shape, [v(0), v(1), e(0), e(1), out], (t) => settle(t[4]!, t[2]! + t[3]!, () => f(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!), t[0]!, t[1]!));
    })
    .with({ op: 'where' }, () =>
      mapBroadcast(shape, [v(0), v(1), v(2), e(0), e(1), e(2), out], (t) => {
        const [c, a, b, ec, ea, eb, r] = t as [number, number, number, number, number, number, number];
        // The branch can flip when c's interval reaches zero (or leaves it).
        const unsure = ec > 0 && Math.abs(c) <= ec;
        return settle(r, ec + ea + eb, () => (unsure ? Math.abs(a - b) + Math.max(ea, eb) : c !== 0 ? ea : eb));
      }),
    )
    .with({ op: 'broadcast' }, () => mapBroadcast(shape, [e(0)], (t) => t[0]!))
    .with({ op: 'reshape' }, () => e(0).data.slice())
    .with({ op: 'transpose' }, (x) => transposeData(e(0), x.perm))
    .with({ op: 'reduce' }, (x) => reduceBound(REDUCE[x.fn].rounds, v(0), e(0), x.axes, out.data))
    .with({ op: 'matmul' }, () => matmulBound(v(0), v(1), e(0), e(1), shape, out.data))
    .exhaustive();
  // A finite exact result beyond f32's range is infinite on the device.
  for (let i = 0; i < raw.length; i++) if (Number.isFinite(out.data[i]!) && Math.abs(out.data[i]!) > F32_MAX) raw[i] = Infinity;
  return raw;
}

/**
 * Special values (an infinite or NaN result or operand) follow exact IEEE rules on the device when
 * no operand carried an error, and can be anything otherwise.
 */
function settle(r: number, operandError: number, finite: () => number, ...operands: number[]): number {
  if (!Number.isFinite(r) || !operands.every(Number.isFinite)) return operandError > 0 ? Infinity : 0;
  const e = finite();
  return Number.isNaN(e) ? Infinity : e;
}

function unaryBound(fn: keyof typeof UNARY, x: Float64Array, ex: Float64Array, r: Float64Array): Float64Array {
  const { ref, sensitivity, accuracy } = UNARY[fn];
  const out = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) {
    const xi = x[i]!;
    const ei = ex[i]!;
    const ri = r[i]!;
    out[i] = settle(ri, ei, () => {
      let spread = 0;
      if (ei > 0) spread = sensitivity === 'lipschitz' ? ei : Math.max(Math.abs(ref(xi + ei) - ri), Math.abs(ref(xi - ei) - ri));
      return spread + accuracy(xi, ri);
    }, xi);
  }
  return out;
}

/**
 * A sum's error: the terms' errors plus one rounding per link of the longest addition chain a
 * kernel uses, each at most ULP times the sum of magnitudes. Max and min only select.
 */
function reduceBound(rounds: boolean, x: RefTensor, ex: RefTensor, axes: readonly number[], r: Float64Array): Float64Array {
  const errSum = reduceWith(ex, axes, 0, (a, b) => (rounds ? a + b : Math.max(a, b)));
  if (!rounds) return errSum.map((e, i) => settle(r[i]!, e, () => e));
  const mag = reduceWith({ shape: x.shape, data: x.data.map(Math.abs) }, axes, 0, (a, b) => a + b);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const gamma = sumChain(n, KERNEL_SUM_BLOCK) * F32_ULP;
  return errSum.map((e, i) => settle(r[i]!, e, () => (mag[i]! > F32_MAX ? Infinity : e + gamma * mag[i]! + flush(r[i]!))));
}

/** A product's error: operand errors through the dot products, plus K roundings of the magnitudes. */
function matmulBound(a: RefTensor, b: RefTensor, ea: RefTensor, eb: RefTensor, shape: ConcreteShape, r: Float64Array): Float64Array {
  const abs = (t: RefTensor): RefTensor => ({ shape: t.shape, data: t.data.map(Math.abs) });
  const K = a.shape[a.shape.length - 1]!;
  const aa = abs(a);
  const bb = abs(b);
  const prop1 = matmulTerms(aa, eb, shape);
  const prop2 = matmulTerms(ea, bb, shape);
  const prop3 = matmulTerms(ea, eb, shape);
  const mag = matmulTerms(aa, bb, shape);
  const gamma = (K + 1) * F32_ULP;
  return r.map((ri, i) => {
    const carried = prop1[i]! + prop2[i]! + prop3[i]!;
    return settle(ri, carried, () => (mag[i]! > F32_MAX ? Infinity : carried + gamma * mag[i]! + flush(ri)));
  });
}
