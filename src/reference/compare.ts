import type { ModelIR } from "../ir/model.js";
/**
 * Comparing f32 device results with the float64 reference.
 *
 * Tolerance, per element: |gpu - ref| <= rtol * (|ref| + scale), where
 * scale = max(1, max |ref| over the output). Why these terms:
 * - rtol: f32 unit roundoff is 2^-24 ~ 6e-8; each op adds about one rounding, WGSL's exp/log are
 *   accurate to 3+2|x| ULP, and a reduction of n terms by a tree adds about log2(n) roundings
 *   (sequential loops inside one invocation add up to n). 1e-4 covers chains of tens of ops and
 *   reductions of 1e5+ elements with margin, and is still far below any real bug's error.
 * - atol from the output's scale: cancellation (a sum of mixed-sign terms, x - mean(x)) leaves
 *   absolute error proportional to the operands' magnitude, not to the small result.
 * - WGSL's sin/cos only promise an absolute error of 2^-11 on [-pi, pi], so models using them are
 *   compared with rtol >= 2^-11 (see toleranceFor).
 * NaN must match NaN (a device NaN against a finite reference fails, and vice versa); infinities
 * must match exactly.
 */
export interface Tolerance {
  readonly rtol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-4 };
export const TRIG_TOLERANCE: Tolerance = { rtol: 2 ** -10 };

export interface Mismatch {
  readonly index: number;
  readonly got: number;
  readonly want: number;
}

export interface Comparison {
  readonly ok: boolean;
  /**
   * max over elements of |gpu - ref| / (|ref| + scale): the relative error for large values and
   * the error relative to the output's scale near zero; ok <=> maxRelErr <= rtol.
   */
  readonly maxRelErr: number;
  readonly badCount: number;
  /** The first few mismatching elements. */
  readonly mismatches: readonly Mismatch[];
}

const F32_MAX = 3.4028234663852886e38;

export function compareToReference(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance = DEFAULT_TOLERANCE): Comparison {
  if (got.length !== want.length) {
    return { ok: false, maxRelErr: Infinity, badCount: Math.max(got.length, want.length), mismatches: [{ index: -1, got: got.length, want: want.length }] };
  }
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    const w = Math.abs(want[i]!);
    if (Number.isFinite(w) && w > scale) scale = w;
  }
  let maxRel = 0;
  let badCount = 0;
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    let rel: number;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      rel = Number.isNaN(w) && Number.isNaN(g) ? 0 : Infinity;
    } else if (!Number.isFinite(w) || !Number.isFinite(g)) {
      // f32 overflows to Infinity before f64 does: a finite reference beyond f32's range may be Inf.
      const overflow = !Number.isFinite(g) && Math.abs(w) > F32_MAX && Math.sign(g) === Math.sign(w);
      rel = g === w || overflow ? 0 : Infinity;
    } else {
      rel = Math.abs(g - w) / (Math.abs(w) + scale);
    }
    if (rel > maxRel) maxRel = rel;
    if (rel > tol.rtol) {
      badCount++;
      if (mismatches.length < 10) mismatches.push({ index: i, got: g, want: w });
    }
  }
  return { ok: badCount === 0, maxRelErr: maxRel, badCount, mismatches };
}

/** Ops whose WGSL accuracy is specified as an absolute error (2^-11 for sin/cos; tanh derives from them). */
const ABSOLUTE_ERROR_OPS = new Set(['sin', 'cos', 'tanh']);

/** The tolerance class of a model: the trig class as soon as it uses an absolute-error op. */
export function toleranceFor(m: ModelIR): Tolerance {
  const trig = m.graph.nodes.some((n) => n.op === 'unary' && ABSOLUTE_ERROR_OPS.has(n.fn));
  return trig ? TRIG_TOLERANCE : DEFAULT_TOLERANCE;
}
