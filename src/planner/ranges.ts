/**
 * The two analyses behind the precision pass, over a whole model and before any data exists:
 * - range analysis: an interval holding every element of every node, from the inputs' ranges;
 * - error propagation: a bound on the absolute error that storing chosen intermediates as f16 adds
 *   to every element of every node, on top of the f32 plan's own rounding.
 * Both work node by node in id order (a topological order) with the op table's interval rules
 * (src/ir/interval.ts). docs/planner.md ("Mixed precision") derives them with a worked example.
 */
import { match } from 'ts-pattern';
import { F32_ULP, sumChain } from '../ir/error-rules.js';
import type { Graph } from '../ir/graph.js';
import { hull, magnitude, squareRange, UNBOUNDED, widen, type Interval } from '../ir/interval.js';
import type { Node, NodeId } from '../ir/node.js';
import { BINARY, UNARY } from '../ir/ops.js';
import type { ConcreteShape } from '../ir/shape.js';
import { KERNEL_SUM_BLOCK } from '../reference/error-bound.js';

/**
 * One ULP of an f16, relative: WGSL lets a conversion to f16 round either way, so the error of
 * f16(x) is up to a whole ULP (2^-10), not the unit roundoff 2^-11 of round-to-nearest.
 */
export const F16_ULP = 2 ** -10;
/** Smallest normal f16: a device may flush anything below it to zero. */
export const F16_MIN_NORMAL = 2 ** -14;
/** Largest finite f16; beyond it (after rounding) a value becomes infinite. */
export const F16_MAX = 65504;

/**
 * Slack for the f32 arithmetic downstream of a perturbed value: the f32 plan's own error bound
 * is taken at the exact operands, and an op evaluated at operands moved by e rounds a result up
 * to e larger, a relative 2^-23 per op (transcendentals a few ULP); 2^-16 covers that.
 */
const OP_SLACK = 1 + 2 ** -16;

/** The absolute error of storing a value of magnitude at most m (already off by e) as f16. */
export const f16StoreError = (m: number, e: number): number => F16_ULP * (m + e) + F16_MIN_NORMAL;

/** Value ranges of every node; inputs without a given range are unbounded. */
export function nodeRanges(g: Graph, shapes: readonly ConcreteShape[], inputRanges: Readonly<Record<string, Interval>>): Interval[] {
  const r: Interval[] = [];
  for (const n of g.nodes) r[n.id] = nodeRange(n, shapes, (id) => r[id]!, inputRanges);
  return r;
}

function nodeRange(n: Node, shapes: readonly ConcreteShape[], r: (id: NodeId) => Interval, inputRanges: Readonly<Record<string, Interval>>): Interval {
  const x = (k: number): Interval => r(n.inputs[k]!);
  return match(n)
    .with({ op: 'input' }, (i) => inputRanges[i.name] ?? UNBOUNDED)
    .with({ op: 'const' }, (c) => (c.data.every(Number.isFinite) ? ([Math.min(...c.data), Math.max(...c.data)] as const) : UNBOUNDED))
    .with({ op: 'unary' }, (u) => UNARY[u.fn].range(x(0)))
    // x * x of one node is a square: never negative, which interval multiplication cannot see.
    .with({ op: 'binary' }, (b) => (b.fn === 'mul' && b.inputs[0] === b.inputs[1] ? squareRange(x(0)) : BINARY[b.fn].range(x(0), x(1))))
    .with({ op: 'where' }, () => hull(x(1), x(2)))
    .with({ op: 'broadcast' }, { op: 'reshape' }, { op: 'transpose' }, () => x(0))
    .with({ op: 'reduce' }, (red) => {
      if (red.fn !== 'sum') return x(0);
      const terms = reduceTerms(shapes, red.inputs[0]!, red.axes);
      return scale(x(0), terms);
    })
    .with({ op: 'matmul' }, () => {
      const [a, b] = [x(0), x(1)];
      const p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
      if (p.some(Number.isNaN)) return UNBOUNDED;
      return scale([Math.min(...p), Math.max(...p)], innerDim(shapes, n.inputs[0]!));
    })
    .exhaustive();
}

const reduceTerms = (shapes: readonly ConcreteShape[], operand: NodeId, axes: readonly number[]): number => axes.reduce((p, a) => p * shapes[operand]![a]!, 1);
const innerDim = (shapes: readonly ConcreteShape[], a: NodeId): number => shapes[a]![shapes[a]!.length - 1]!;
/** n terms each in [lo, hi] (0 * Infinity is an empty sum: 0). */
const scale = ([lo, hi]: Interval, n: number): Interval => (n === 0 ? [0, 0] : [lo * n, hi * n]);

/**
 * Per node, a bound on the absolute error the f16 storage of `f16` adds to any element. A stored
 * node adds its rounding (f16StoreError of its magnitude); every op passes its operands' added
 * errors on by its interval rule, evaluated over operand ranges widened by twice those errors
 * (the device's operands are off by the f32 error too, far smaller).
 */
export function addedErrors(g: Graph, shapes: readonly ConcreteShape[], ranges: readonly Interval[], f16: ReadonlySet<NodeId>): number[] {
  const e: number[] = [];
  for (const n of g.nodes) {
    let v = passOn(n, shapes, ranges, e);
    if (v > 0) v *= OP_SLACK;
    if (Number.isNaN(v)) v = Infinity;
    if (f16.has(n.id)) v += f16StoreError(magnitude(ranges[n.id]!), v);
    e[n.id] = v;
  }
  return e;
}

function passOn(n: Node, shapes: readonly ConcreteShape[], ranges: readonly Interval[], e: readonly number[]): number {
  const err = (k: number): number => e[n.inputs[k]!]!;
  const wide = (k: number): Interval => widen(ranges[n.inputs[k]!]!, 2 * err(k));
  return match(n)
    .with({ op: 'input' }, { op: 'const' }, () => 0)
    .with({ op: 'unary' }, (u) => (err(0) === 0 ? 0 : UNARY[u.fn].slope(wide(0)) * err(0)))
    .with({ op: 'binary' }, (b) => (err(0) === 0 && err(1) === 0 ? 0 : BINARY[b.fn].over(wide(0), wide(1), err(0), err(1))))
    .with({ op: 'where' }, () => {
      // A condition that can change picks the other branch: up to the whole spread of the two.
      const flip = err(0) > 0 ? hullWidth(hull(wide(1), wide(2))) : 0;
      return flip + Math.max(err(1), err(2));
    })
    .with({ op: 'broadcast' }, { op: 'reshape' }, { op: 'transpose' }, () => err(0))
    .with({ op: 'reduce' }, (red) => {
      if (red.fn !== 'sum' || err(0) === 0) return err(0);
      // Every term is off by at most err; the f32 sum's own rounding grows with its chain.
      const terms = reduceTerms(shapes, red.inputs[0]!, red.axes);
      return terms * err(0) * (1 + sumChain(terms, KERNEL_SUM_BLOCK) * F32_ULP);
    })
    .with({ op: 'matmul' }, () => {
      if (err(0) === 0 && err(1) === 0) return 0;
      const K = innerDim(shapes, n.inputs[0]!);
      const [ma, mb] = [magnitude(wide(0)), magnitude(wide(1))];
      return K * (ma * err(1) + mb * err(0) + err(0) * err(1)) * (1 + (K + 1) * F32_ULP);
    })
    .exhaustive();
}

const hullWidth = ([lo, hi]: Interval): number => hi - lo;
