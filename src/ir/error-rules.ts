/**
 * How far an f32 device result may be from the exact (float64) one, op by op: the rules the op
 * table (ops.ts) attaches to each op and the reference's error analysis (src/reference/
 * error-bound.ts) propagates through a model. Accuracies follow the WGSL spec's table for f32
 * (add/sub/mul correctly rounded, division 2.5 ULP, exp 3 + 2|x| ULP, log 3 ULP or 2^-21 absolute
 * near 1, inverseSqrt 2 ULP, sin/cos 2^-11 absolute on [-pi, pi]), with one ULP taken as 2^-23
 * relative (no assumption of round-to-nearest) and an absolute 2^-126 wherever a result may be
 * flushed from the subnormal range.
 */

/** One unit in the last place of an f32, relative. */
export const F32_ULP = 2 ** -23;
/** Smallest normal f32: devices may flush anything below it to zero. */
const F32_MIN_NORMAL = 2 ** -126;
export const F32_MAX = 3.4028234663852886e38;

/** A subnormal result may be flushed to zero: up to the smallest normal away. */
export const flush = (r: number): number => (r !== 0 && Math.abs(r) < F32_MIN_NORMAL ? F32_MIN_NORMAL : 0);

/** Rounding of a result r by an op accurate to `ulps` ULPs, plus a possible subnormal flush. */
export const rounding = (ulps: number, r: number): number => ulps * F32_ULP * Math.abs(r) + flush(r);

/** How an elementwise unary op passes its operand's error on. */
export type Sensitivity =
  /** Monotone (possibly discontinuous, like floor): the error is f's spread over [x - e, x + e]. */
  | 'monotone'
  /** 1-Lipschitz (abs, sin, cos): the error passes through, at most as large. */
  | 'lipschitz';

/** A unary op's own accuracy: the absolute error of the device op at the exact operand x, result r. */
export type UnaryAccuracy = (x: number, r: number) => number;

export const exact: UnaryAccuracy = () => 0;
export const ulps =
  (n: number): UnaryAccuracy =>
  (_x, r) =>
    rounding(n, r);
export const expAccuracy: UnaryAccuracy = (x, r) => rounding(3 + 2 * Math.abs(x), r);
export const logAccuracy: UnaryAccuracy = (x, r) => (x >= 0.5 && x <= 2 ? 2 ** -21 : rounding(3, r));
// tanh is inherited from sinh/cosh, which are inherited from exp: the absolute error of the exps.
export const tanhAccuracy: UnaryAccuracy = (x, r) => (3 + 2 * Math.min(Math.abs(x), 20)) * 2 * F32_ULP + rounding(1, r);
// 1 / (1 + exp(-x)): exp's relative error scaled by the derivative s(1 - s), then add and divide.
export const sigmoidAccuracy: UnaryAccuracy = (x, r) => (3 + 2 * Math.abs(x)) * F32_ULP * r * (1 - r) + rounding(4.5, r);
// Specified on [-pi, pi]; beyond it, range reduction adds about one ULP of the argument.
export const trigAccuracy: UnaryAccuracy = (x) => 2 ** -11 + (Math.abs(x) > Math.PI ? F32_ULP * Math.abs(x) : 0);

/**
 * A binary op's error: from the operands' errors ea, eb (absolute bounds) at exact operands a, b
 * with exact result r, including the op's own rounding.
 */
export type BinaryError = (a: number, b: number, ea: number, eb: number, r: number) => number;

export const addError: BinaryError = (_a, _b, ea, eb, r) => ea + eb + rounding(1, r);
export const mulError: BinaryError = (a, b, ea, eb, r) => Math.abs(a) * eb + Math.abs(b) * ea + ea * eb + rounding(1, r);
export const divError: BinaryError = (_a, b, ea, eb, r) => {
  const den = Math.abs(b) - eb;
  // |a'/b' - a/b| <= (ea + |a/b| eb) / (|b| - eb) while b' cannot reach zero.
  return den > 0 ? (ea + Math.abs(r) * eb) / den + rounding(2.5, r) : Infinity;
};
export const selectError: BinaryError = (_a, _b, ea, eb) => Math.max(ea, eb);
/** A comparison's 0/1 result can flip when the operands' intervals overlap. */
export const compareError: BinaryError = (a, b, ea, eb) => (ea + eb > 0 && Math.abs(a - b) <= ea + eb ? 1 : 0);
export const powError: BinaryError = (a, b, ea, eb, r) => {
  let spread = 0;
  for (const a2 of [a - ea, a + ea]) {
    for (const b2 of [b - eb, b + eb]) {
      const v = Math.pow(a2, b2);
      if (Number.isNaN(v) && !Number.isNaN(r)) return Infinity;
      spread = Math.max(spread, Math.abs(v - r));
    }
  }
  // exp2(b * log2(a)): exp2's 3 + 2|t| ULP plus log2's 3 ULP scaled by |t|.
  const t = Math.abs(b * Math.log2(Math.abs(a)));
  return spread + rounding(3 + 5 * (Number.isFinite(t) ? t : 0), r);
};

/** Longest chain of dependent additions any kernel uses for a sum of n terms (see codegen's blocked sums). */
export function sumChain(n: number, block: number): number {
  if (n <= 1) return 0;
  // Inside an invocation: two block levels (2 * block) plus n / block^2; then vec4 lanes, a workgroup
  // tree and a blocked second pass over partials (docs/reliability.md, "Summation error", derives
  // about 460 + n / block^2); 4 * block and 2 log2 n keep a margin above that.
  return Math.min(n - 1, 4 * block + Math.ceil(n / (block * block)) + 2 * Math.ceil(Math.log2(n)) + 16);
}
