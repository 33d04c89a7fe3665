/**
 * compile()'s `precision` option at the public boundary: checked here (a budget that is not a
 * positive number, a range of an input the model lacks), then handed to the planner's precision
 * pass with whether the target adapter can run f16 kernels.
 */
import { modelError } from '../ir/errors.js';
import type { ModelIR } from '../ir/model.js';
import type { PrecisionOptions } from '../planner/precision.js';
import type { PlanTarget } from './profile-choice.js';

export interface PrecisionOption {
  /**
   * The error the f16 choices may add to any output element, relative to that output's magnitude
   * bound (the largest |value| range analysis allows it). E.g. 1e-3.
   */
  readonly maxRelError: number;
  /**
   * [lo, hi] per input name: every element of the input lies in it. Range analysis starts here;
   * an input without a range is unbounded, so nothing computed from it is stored as f16.
   */
  readonly inputRanges?: Readonly<Record<string, readonly [number, number]>>;
}

/** The planner's options for a checked `precision` option, for `target` (or any f16 device without one). */
export function precisionOptions(model: ModelIR, p: PrecisionOption, target: PlanTarget | undefined): PrecisionOptions {
  const where = `model '${model.name}': precision`;
  if (typeof p !== 'object' || p === null) throw modelError(`${where} must be an object like { maxRelError: 1e-3 }, got ${p === null ? 'null' : typeof p}`);
  const e = p.maxRelError;
  if (typeof e !== 'number' || !(e > 0) || !Number.isFinite(e)) throw modelError(`${where}.maxRelError must be a positive finite number, got ${String(e)}`);
  const ranges = p.inputRanges ?? {};
  if (typeof ranges !== 'object' || ranges === null) throw modelError(`${where}.inputRanges must be an object of [lo, hi] by input name`);
  const names = new Set(model.inputs.map((i) => i.name));
  for (const [name, r] of Object.entries(ranges)) {
    if (!names.has(name)) throw modelError(`${where}.inputRanges: '${name}' is not an input of the model (inputs: ${[...names].join(', ')})`);
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || r[0] > r[1]) {
      throw modelError(`${where}.inputRanges.${name} must be [lo, hi] with finite lo <= hi, got ${JSON.stringify(r)}`);
    }
  }
  // Without a runtime there is no adapter to ask; the runtime refuses f16 kernels it cannot run.
  const shaderF16 = target === undefined || (target.features?.includes('shader-f16') ?? false);
  return { maxRelError: e, inputRanges: ranges, shaderF16 };
}
