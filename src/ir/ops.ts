/**
 * The one table of op properties. Every stage (DSL, reference, cost, codegen) reads op facts from
 * here instead of switching over op names itself: arity, float64 reference semantics, the WGSL
 * spelling, and the arithmetic weight the cost model charges per output cell (SystemML's weights,
 * see shared/docs/systemml-fusion-notes.md section 4).
 */
import {
  addError, compareError, divError, exact, expAccuracy, logAccuracy, mulError, powError, selectError, sigmoidAccuracy, tanhAccuracy, trigAccuracy, ulps,
  type BinaryError, type Sensitivity, type UnaryAccuracy,
} from './error-rules.js';
import {
  absRange, addRange, boolRange, compareErrorOver, constSlope, decreasing, divErrorOver, divRange, expSlope, increasing, jumpSlope, logRange, logSlope, maxRange, minRange,
  mulErrorOver, mulRange, nonNegative, powErrorOver, powRange, rsqrtSlope, selectErrorOver, sqrtSlope, subRange, sumError, unitRange,
  type BinaryPropagation, type BinaryRange, type UnaryRange, type UnarySlope,
} from './interval.js';

export const UNARY_FNS = ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'relu', 'sin', 'cos', 'floor'] as const;
export type UnaryFn = (typeof UNARY_FNS)[number];

export const BINARY_FNS = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;
export type BinaryFn = (typeof BINARY_FNS)[number];

const REDUCE_FNS = ['sum', 'max', 'min'] as const;
export type ReduceFn = (typeof REDUCE_FNS)[number];

export interface UnaryInfo {
  /** float64 reference semantics (JavaScript numbers are doubles). */
  readonly ref: (a: number) => number;
  /** WGSL expression over an f32 expression string (prelude helpers allowed, see wgslPrelude). */
  readonly wgsl: (a: string) => string;
  readonly weight: number;
  /** How the operand's error passes through, and the device op's own accuracy (error-rules.ts). */
  readonly sensitivity: Sensitivity;
  readonly accuracy: UnaryAccuracy;
  /** The result's range from the operand's, and the steepest slope over a range (interval.ts). */
  readonly range: UnaryRange;
  readonly slope: UnarySlope;
}
export interface BinaryInfo {
  readonly ref: (a: number, b: number) => number;
  readonly wgsl: (a: string, b: string) => string;
  readonly weight: number;
  readonly commutative: boolean;
  /** Infix symbol for printing, when the op has one. */
  readonly symbol?: string;
  /** The result's error bound from the operands' (error-rules.ts). */
  readonly error: BinaryError;
  /** The result's range from the operands' ranges, and the error over ranges (interval.ts). */
  readonly range: BinaryRange;
  readonly over: BinaryPropagation;
}
export interface ReduceInfo {
  readonly identity: number;
  readonly ref: (acc: number, x: number) => number;
  readonly wgsl: (acc: string, x: string) => string;
  /** Identity as a WGSL f32 literal expression. */
  readonly wgslIdentity: string;
  /** Weight per input cell (SystemML: sum 4, min/max 1). */
  readonly weight: number;
  /** Whether each step rounds (sum: a chain of additions) or only selects (max, min). */
  readonly rounds: boolean;
}

// NaN-propagating max/min, matching Math.max/Math.min: WGSL leaves max/min of NaN unspecified.
const jsMax = (a: number, b: number): number => Math.max(a, b);
const jsMin = (a: number, b: number): number => Math.min(a, b);
const b01 = (c: boolean): number => (c ? 1 : 0);

/** JavaScript's Math.pow, which WGSL's pow (exp2(y*log2(x))) only matches for x > 0. */
const refPow = (a: number, b: number): number => Math.pow(a, b);

export const UNARY: Readonly<Record<UnaryFn, UnaryInfo>> = {
  neg: { ref: (a) => -a, wgsl: (a) => `(-${a})`, weight: 1, sensitivity: 'monotone', accuracy: exact, range: decreasing((x) => -x), slope: constSlope(1) },
  abs: { ref: Math.abs, wgsl: (a) => `abs(${a})`, weight: 1, sensitivity: 'lipschitz', accuracy: exact, range: absRange, slope: constSlope(1) },
  exp: { ref: Math.exp, wgsl: (a) => `exp(${a})`, weight: 18, sensitivity: 'monotone', accuracy: expAccuracy, range: increasing(Math.exp), slope: expSlope },
  log: { ref: Math.log, wgsl: (a) => `fp_log(${a})`, weight: 32, sensitivity: 'monotone', accuracy: logAccuracy, range: logRange, slope: logSlope },
  sqrt: { ref: Math.sqrt, wgsl: (a) => `sqrt(${a})`, weight: 2, sensitivity: 'monotone', accuracy: ulps(2.5), range: nonNegative(increasing(Math.sqrt)), slope: sqrtSlope },
  rsqrt: { ref: (a) => 1 / Math.sqrt(a), wgsl: (a) => `inverseSqrt(${a})`, weight: 2, sensitivity: 'monotone', accuracy: ulps(2), range: nonNegative(decreasing((x) => 1 / Math.sqrt(x))), slope: rsqrtSlope },
  tanh: { ref: Math.tanh, wgsl: (a) => `fp_tanh(${a})`, weight: 30, sensitivity: 'monotone', accuracy: tanhAccuracy, range: increasing(Math.tanh), slope: constSlope(1) },
  sigmoid: { ref: (a) => 1 / (1 + Math.exp(-a)), wgsl: (a) => `fp_sigmoid(${a})`, weight: 21, sensitivity: 'monotone', accuracy: sigmoidAccuracy, range: increasing((x) => 1 / (1 + Math.exp(-x))), slope: constSlope(0.25) },
  relu: { ref: (a) => (a < 0 ? 0 : a), wgsl: (a) => `fp_relu(${a})`, weight: 1, sensitivity: 'monotone', accuracy: exact, range: increasing((x) => Math.max(0, x)), slope: constSlope(1) },
  sin: { ref: Math.sin, wgsl: (a) => `sin(${a})`, weight: 18, sensitivity: 'lipschitz', accuracy: trigAccuracy, range: unitRange, slope: constSlope(1) },
  cos: { ref: Math.cos, wgsl: (a) => `cos(${a})`, weight: 22, sensitivity: 'lipschitz', accuracy: trigAccuracy, range: unitRange, slope: constSlope(1) },
  floor: { ref: Math.floor, wgsl: (a) => `floor(${a})`, weight: 1, sensitivity: 'monotone', accuracy: exact, range: increasing(Math.floor), slope: jumpSlope },
};

export const BINARY: Readonly<Record<BinaryFn, BinaryInfo>> = {
  add: { ref: (a, b) => a + b, wgsl: (a, b) => `(${a} + ${b})`, weight: 1, commutative: true, symbol: '+', error: addError, range: addRange, over: sumError },
  sub: { ref: (a, b) => a - b, wgsl: (a, b) => `(${a} - ${b})`, weight: 1, commutative: false, symbol: '-', error: addError, range: subRange, over: sumError },
  mul: { ref: (a, b) => a * b, wgsl: (a, b) => `(${a} * ${b})`, weight: 1, commutative: true, symbol: '*', error: mulError, range: mulRange, over: mulErrorOver },
  div: { ref: (a, b) => a / b, wgsl: (a, b) => `(${a} / ${b})`, weight: 22, commutative: false, symbol: '/', error: divError, range: divRange, over: divErrorOver },
  max: { ref: jsMax, wgsl: (a, b) => `fp_max(${a}, ${b})`, weight: 1, commutative: true, error: selectError, range: maxRange, over: selectErrorOver },
  min: { ref: jsMin, wgsl: (a, b) => `fp_min(${a}, ${b})`, weight: 1, commutative: true, error: selectError, range: minRange, over: selectErrorOver },
  pow: { ref: refPow, wgsl: (a, b) => `fp_pow(${a}, ${b})`, weight: 16, commutative: false, symbol: '^', error: powError, range: powRange, over: powErrorOver },
  lt: { ref: (a, b) => b01(a < b), wgsl: (a, b) => `select(0.0, 1.0, ${a} < ${b})`, weight: 1, commutative: false, symbol: '<', error: compareError, range: boolRange, over: compareErrorOver },
  le: { ref: (a, b) => b01(a <= b), wgsl: (a, b) => `select(0.0, 1.0, ${a} <= ${b})`, weight: 1, commutative: false, symbol: '<=', error: compareError, range: boolRange, over: compareErrorOver },
  gt: { ref: (a, b) => b01(a > b), wgsl: (a, b) => `select(0.0, 1.0, ${a} > ${b})`, weight: 1, commutative: false, symbol: '>', error: compareError, range: boolRange, over: compareErrorOver },
  ge: { ref: (a, b) => b01(a >= b), wgsl: (a, b) => `select(0.0, 1.0, ${a} >= ${b})`, weight: 1, commutative: false, symbol: '>=', error: compareError, range: boolRange, over: compareErrorOver },
  eq: { ref: (a, b) => b01(a === b), wgsl: (a, b) => `select(0.0, 1.0, ${a} == ${b})`, weight: 1, commutative: true, symbol: '==', error: compareError, range: boolRange, over: compareErrorOver },
  ne: { ref: (a, b) => b01(a !== b), wgsl: (a, b) => `fp_ne(${a}, ${b})`, weight: 1, commutative: true, symbol: '!=', error: compareError, range: boolRange, over: compareErrorOver },
};

export const WHERE = {
  ref: (c: number, a: number, b: number): number => (c !== 0 ? a : b),
  // fp_truthy: NaN is truthy as in JavaScript (NaN !== 0); drivers compile != as ordered (false).
  wgsl: (c: string, a: string, b: string): string => `select(${b}, ${a}, fp_truthy(${c}))`,
  weight: 2,
} as const;

export const REDUCE: Readonly<Record<ReduceFn, ReduceInfo>> = {
  sum: { identity: 0, ref: (acc, x) => acc + x, wgsl: (acc, x) => `(${acc} + ${x})`, wgslIdentity: '0.0', weight: 4, rounds: true },
  max: { identity: -Infinity, ref: jsMax, wgsl: (acc, x) => `fp_max(${acc}, ${x})`, wgslIdentity: 'fp_neg_inf()', weight: 1, rounds: false },
  min: { identity: Infinity, ref: jsMin, wgsl: (acc, x) => `fp_min(${acc}, ${x})`, wgslIdentity: 'fp_pos_inf()', weight: 1, rounds: false },
};

/** Matmul weight per output cell per inner-dim element (multiply + add). */
export const MATMUL_WEIGHT = 2;

/**
 * Weight per element converted between f16 storage and f32 arithmetic (codegen's conversions on
 * the bits, src/codegen/wgsl.ts: about four integer ops and a multiply per element).
 */
export const F16_CONVERT_WEIGHT = 4;

/**
 * WGSL helpers every generated kernel may call. NaN tests go through the bit pattern, because a
 * compiler is allowed to fold `x != x` away; max/min/relu/tanh/pow are spelled so that NaN and
 * infinities behave as in the float64 reference (Math.*).
 */
export const wgslPrelude = `
fn fp_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// Through a var: WGSL rejects NaN and infinity as constant expressions.
fn fp_bits(b: u32) -> f32 { var v = b; return bitcast<f32>(v); }
fn fp_nan() -> f32 { return fp_bits(0x7fc00000u); }
fn fp_pos_inf() -> f32 { return fp_bits(0x7f800000u); }
fn fp_neg_inf() -> f32 { return fp_bits(0xff800000u); }
fn fp_max(a: f32, b: f32) -> f32 { return select(select(max(a, b), b, fp_isnan(b)), a, fp_isnan(a)); }
fn fp_min(a: f32, b: f32) -> f32 { return select(select(min(a, b), b, fp_isnan(b)), a, fp_isnan(a)); }
// Drivers may compile != as an ordered comparison (false for NaN); JavaScript's !== is true.
fn fp_ne(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a != b || fp_isnan(a) || fp_isnan(b)); }
fn fp_truthy(c: f32) -> bool { return c != 0.0 || fp_isnan(c); }
fn fp_relu(x: f32) -> f32 { return select(x, 0.0, x < 0.0); }
fn fp_sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn fp_tanh(x: f32) -> f32 { return select(tanh(clamp(x, -20.0, 20.0)), x, fp_isnan(x)); }
fn fp_log(x: f32) -> f32 {
  if (x == 0.0) { return fp_neg_inf(); }
  if (x < 0.0) { return fp_nan(); }
  return log(x);
}
fn fp_pow(a: f32, b: f32) -> f32 {
  if (fp_isnan(a) || fp_isnan(b)) { return select(fp_nan(), 1.0, b == 0.0); }
  if (b == 0.0) { return 1.0; }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  let odd = floor(b) == b && (abs(b) % 2.0) == 1.0;
  // pow(-0, b) keeps the sign for odd integral b: -0 for b > 0, -inf for b < 0 (as Math.pow).
  if (a == 0.0) { let z = select(0.0, fp_pos_inf(), b < 0.0); return select(z, -z, odd && (bitcast<u32>(a) & 0x80000000u) != 0u); }
  let m = pow(abs(a), b);
  if (a > 0.0) { return m; }
  // pow(-inf, b) is +-inf or +-0 whether or not b is integral (as Math.pow).
  if (a == fp_neg_inf()) { return select(m, -m, odd); }
  // Negative base: defined only for integral exponents, with the sign of an odd power.
  if (floor(b) != b) { return fp_nan(); }
  return select(m, -m, odd);
}
`;
