/**
 * Comparing f32 device results with the float64 reference.
 *
 * Each element is checked against its own bound (src/reference/error-bound.ts): how far a correct
 * f32 evaluation of that element's op chain can be from the exact value, from the inputs' rounding
 * through every op's specified WGSL accuracy and every sum's addition chain. An element passes when
 * |gpu - ref| <= SLACK * bound. SLACK = 2 covers what the first-order bound leaves out (products of
 * two error terms inside transcendental ops, the float64 reference's own rounding); it is small
 * because the bound is already worst case. So a 1e-6 result must be right to about 1e-13, not to
 * the 1e-4 an absolute tolerance would allow (docs/reliability.md shows bugs that difference finds).
 *
 * NaN must match NaN and infinities must match exactly, unless the element's bound is infinite
 * (ill-conditioned: nothing is promised there); a finite reference beyond f32's range may be an
 * infinity of the same sign.
 */
import { F32_MAX } from '../ir/error-rules.js';
import type { BoundedTensor } from './evaluate.js';

const SLACK = 2;

export interface Mismatch {
  readonly index: number;
  readonly got: number;
  readonly want: number;
  /** The largest error allowed at this element (SLACK * bound). */
  readonly allowed: number;
}

export interface Comparison {
  readonly ok: boolean;
  /** max over elements of |gpu - ref| / (SLACK * bound): ok <=> worst <= 1. */
  readonly worst: number;
  /** max over elements of |gpu - ref| / |ref| (informational). */
  readonly maxRelErr: number;
  readonly badCount: number;
  /** Elements whose bound is infinite (ill-conditioned), which any value passes. */
  readonly unbounded: number;
  /** The first few mismatching elements. */
  readonly mismatches: readonly Mismatch[];
}

/** Ratio of an element's error to what it is allowed (> 1 fails). */
function elementRatio(g: number, w: number, allowed: number): number {
  if (allowed === Infinity) return 0;
  if (Number.isNaN(w) || Number.isNaN(g)) return Number.isNaN(w) && Number.isNaN(g) ? 0 : Infinity;
  if (!Number.isFinite(w) || !Number.isFinite(g)) {
    // f32 overflows to Infinity before f64 does: a finite reference beyond f32's range may be Inf.
    const overflow = !Number.isFinite(g) && Math.abs(w) > F32_MAX && Math.sign(g) === Math.sign(w);
    return g === w || overflow ? 0 : Infinity;
  }
  const err = Math.abs(g - w);
  return err === 0 ? 0 : err / allowed;
}

export function compareToReference(got: ArrayLike<number>, want: BoundedTensor): Comparison {
  const { data, bound } = want;
  if (got.length !== data.length) {
    return { ok: false, worst: Infinity, maxRelErr: Infinity, badCount: Math.max(got.length, data.length), unbounded: 0, mismatches: [{ index: -1, got: got.length, want: data.length, allowed: 0 }] };
  }
  let worst = 0;
  let maxRel = 0;
  let badCount = 0;
  let unbounded = 0;
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < data.length; i++) {
    const g = got[i]!;
    const w = data[i]!;
    const allowed = SLACK * bound[i]!;
    if (allowed === Infinity) unbounded++;
    const ratio = elementRatio(g, w, allowed);
    if (ratio > worst) worst = ratio;
    if (Number.isFinite(w) && w !== 0 && Number.isFinite(g)) maxRel = Math.max(maxRel, Math.abs(g - w) / Math.abs(w));
    if (ratio > 1) {
      badCount++;
      if (mismatches.length < 10) mismatches.push({ index: i, got: g, want: w, allowed });
    }
  }
  return { ok: badCount === 0, worst, maxRelErr: maxRel, badCount, unbounded, mismatches };
}
