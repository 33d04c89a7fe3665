/**
 * Interval rules for the precision pass (src/planner/precision.ts): for each op, the range of its
 * result from its operands' ranges, and how an absolute error on the operands (the same bound for
 * every element) passes to the result. The op table (ops.ts) attaches one rule of each kind to
 * every op, as it attaches the per-element rules of error-rules.ts. Unlike those, these rules hold
 * for every element at once: they work on ranges, not values, so a plan can be judged before any
 * data exists. An unbounded or NaN-reaching range is [-Infinity, Infinity]; an error that cannot
 * be bounded is Infinity.
 */

export type Interval = readonly [number, number];

export const UNBOUNDED: Interval = [-Infinity, Infinity];
export const magnitude = ([lo, hi]: Interval): number => Math.max(Math.abs(lo), Math.abs(hi));
export const hull = (a: Interval, b: Interval): Interval => [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
export const widen = ([lo, hi]: Interval, e: number): Interval => [lo - e, hi + e];
/** A range with a NaN end (inf - inf, 0 * inf) says nothing: unbounded. */
const clean = (lo: number, hi: number): Interval => (Number.isNaN(lo) || Number.isNaN(hi) ? UNBOUNDED : [lo, hi]);

/** A unary op's result range from its operand's range. */
export type UnaryRange = (x: Interval) => Interval;
/** The supremum of |f'| over an interval (Infinity where f is discontinuous or undefined there). */
export type UnarySlope = (x: Interval) => number;

export const increasing =
  (f: (x: number) => number): UnaryRange =>
  ([lo, hi]) =>
    clean(f(lo), f(hi));
export const decreasing =
  (f: (x: number) => number): UnaryRange =>
  ([lo, hi]) =>
    clean(f(hi), f(lo));
/** Defined only for x >= 0 (sqrt, rsqrt): a range reaching below zero may produce NaN. */
export const nonNegative =
  (r: UnaryRange): UnaryRange =>
  (x) =>
    x[0] < 0 ? UNBOUNDED : r(x);
export const absRange: UnaryRange = ([lo, hi]) => (lo >= 0 ? [lo, hi] : hi <= 0 ? [-hi, -lo] : [0, Math.max(-lo, hi)]);
export const unitRange: UnaryRange = () => [-1, 1];
export const logRange: UnaryRange = ([lo, hi]) => (lo < 0 ? UNBOUNDED : [Math.log(lo), Math.log(hi)]);

export const constSlope =
  (s: number): UnarySlope =>
  () =>
    s;
export const expSlope: UnarySlope = ([, hi]) => Math.exp(hi);
export const logSlope: UnarySlope = ([lo]) => (lo > 0 ? 1 / lo : Infinity);
export const sqrtSlope: UnarySlope = ([lo]) => (lo > 0 ? 0.5 / Math.sqrt(lo) : Infinity);
export const rsqrtSlope: UnarySlope = ([lo]) => (lo > 0 ? 0.5 * lo ** -1.5 : Infinity);
/** floor jumps: any error on the operand may move the result by 1 or more. */
export const jumpSlope: UnarySlope = () => Infinity;

/** A binary op's result range from its operands' ranges. */
export type BinaryRange = (a: Interval, b: Interval) => Interval;
/**
 * A binary op's result error from its operands' ranges (already widened by their errors) and
 * errors ea, eb: the largest |f(a', b') - f(a, b)| over the ranges with |a' - a| <= ea, |b' - b| <= eb.
 */
export type BinaryPropagation = (a: Interval, b: Interval, ea: number, eb: number) => number;

const products = (a: Interval, b: Interval): number[] => [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
export const addRange: BinaryRange = (a, b) => clean(a[0] + b[0], a[1] + b[1]);
export const subRange: BinaryRange = (a, b) => clean(a[0] - b[1], a[1] - b[0]);
export const mulRange: BinaryRange = (a, b) => {
  const p = products(a, b);
  return p.some(Number.isNaN) ? UNBOUNDED : [Math.min(...p), Math.max(...p)];
};
/** Away from zero, a / b ranges over the products with 1/b's range; a divisor range holding 0 is unbounded. */
export const divRange: BinaryRange = (a, b) => (b[0] <= 0 && b[1] >= 0 ? UNBOUNDED : mulRange(a, [1 / b[1], 1 / b[0]]));
export const maxRange: BinaryRange = (a, b) => [Math.max(a[0], b[0]), Math.max(a[1], b[1])];
export const minRange: BinaryRange = (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1])];
export const unboundedRange: BinaryRange = () => UNBOUNDED;
/** x * x when both operands are one node: never negative (interval arithmetic alone cannot know). */
export const squareRange = ([lo, hi]: Interval): Interval => (lo >= 0 ? [lo * lo, hi * hi] : hi <= 0 ? [hi * hi, lo * lo] : [0, Math.max(lo * lo, hi * hi)]);
/**
 * a ^ e for a constant exponent e (b's range a single point): a non-negative integral power of any
 * base, or any power of a non-negative base; other cases (e varies, a negative base under a
 * fractional power) are unbounded.
 */
export const powRange: BinaryRange = (a, b) => {
  const e = b[0];
  if (e !== b[1]) return UNBOUNDED;
  if (Number.isInteger(e) && e >= 0) {
    if (e % 2 === 0) return clean(...(squareRange(a).map((v) => Math.pow(v, e / 2)) as [number, number]));
    return clean(Math.pow(a[0], e), Math.pow(a[1], e));
  }
  if (a[0] < 0 || (e < 0 && a[0] === 0)) return UNBOUNDED;
  return e >= 0 ? clean(Math.pow(a[0], e), Math.pow(a[1], e)) : clean(Math.pow(a[1], e), Math.pow(a[0], e));
};
export const boolRange: BinaryRange = () => [0, 1];

export const sumError: BinaryPropagation = (_a, _b, ea, eb) => ea + eb;
export const mulErrorOver: BinaryPropagation = (a, b, ea, eb) => magnitude(a) * eb + magnitude(b) * ea + ea * eb;
export const divErrorOver: BinaryPropagation = (a, b, ea, eb) => {
  // |a'/b' - a/b| <= (ea + |a/b| eb) / (|b| - eb) while b' cannot reach zero (as divError).
  if (ea === 0 && eb === 0) return 0;
  const minB = b[0] > 0 ? b[0] : b[1] < 0 ? -b[1] : 0;
  const den = minB - eb;
  return den > 0 ? (ea + (magnitude(a) / minB) * eb) / den : Infinity;
};
export const selectErrorOver: BinaryPropagation = (_a, _b, ea, eb) => Math.max(ea, eb);
/** A 0/1 result flips by 1 when an operand error lets the comparison change. */
export const compareErrorOver: BinaryPropagation = (_a, _b, ea, eb) => (ea + eb > 0 ? 1 : 0);
/** a ^ e for a constant e: |d/da a^e| = |e| |a|^(e-1), largest at the range's far end (e >= 1) or near end (e < 1). */
export const powErrorOver: BinaryPropagation = (a, b, ea, eb) => {
  if (ea === 0 && eb === 0) return 0;
  const e = b[0];
  if (eb > 0 || e !== b[1]) return Infinity;
  if (e === 0) return 0;
  if (e >= 1 && Number.isInteger(e)) return e * Math.pow(magnitude(a), e - 1) * ea;
  if (a[0] <= 0) return Infinity;
  return Math.abs(e) * Math.max(Math.pow(a[0], e - 1), Math.pow(a[1], e - 1)) * ea;
};
