/**
 * Which limits and features the runtime asks the adapter for. A device only gets the WebGPU
 * defaults unless requestDevice names better values, and the defaults (8 storage buffers per
 * stage, 256 MiB buffers) would needlessly constrain fusion on adapters that allow more.
 */
import { FuseplanError } from '../ir/errors.js';
import { LIMIT_NAMES, type DeviceLimits, type LimitName } from '../ir/limits.js';

/** For min* limits smaller is better; for the rest larger is. */
const smallerIsBetter = (name: LimitName): boolean => name.startsWith('min');

/** Features used when present: profiling, f16 intermediates, subgroup reductions. */
const WANTED_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

/** Copies the limits we care about out of a GPUSupportedLimits (whose values live on a prototype). */
function readLimits(supported: GPUSupportedLimits): DeviceLimits {
  const out: Record<string, number> = {};
  for (const name of LIMIT_NAMES) out[name] = Number(supported[name]);
  return out as unknown as DeviceLimits;
}

/**
 * The adapter's own value for every limit we use, so requestDevice never fails on them. Overrides
 * only tighten what the runtime reports (see effectiveLimits); they never loosen the request.
 */
export function requiredLimits(adapter: GPUSupportedLimits, overrides: Partial<DeviceLimits> = {}): Record<string, number> {
  const have = readLimits(adapter);
  for (const name of LIMIT_NAMES) {
    const want = overrides[name];
    if (want === undefined) continue;
    const looser = smallerIsBetter(name) ? want < have[name] : want > have[name];
    if (!Number.isFinite(want) || looser) {
      throw new FuseplanError(
        'limit',
        `requested limit ${name} = ${want} is beyond the adapter's ${have[name]}`,
      );
    }
  }
  const req: Record<string, number> = {};
  for (const name of LIMIT_NAMES) if (!smallerIsBetter(name)) req[name] = have[name];
  return req;
}

/**
 * What the runtime reports and enforces: the device's limits, tightened by the overrides. A device
 * never gets less than the WebGPU defaults, so tighter-than-default limits live only here.
 */
export function effectiveLimits(device: GPUSupportedLimits, overrides: Partial<DeviceLimits> = {}): DeviceLimits {
  const got = { ...readLimits(device) } as Record<LimitName, number>;
  for (const name of LIMIT_NAMES) {
    const want = overrides[name];
    if (want === undefined) continue;
    got[name] = smallerIsBetter(name) ? Math.max(got[name], want) : Math.min(got[name], want);
  }
  return Object.freeze(got);
}

export function pickFeatures(available: GPUSupportedFeatures, disabled: readonly string[] = []): GPUFeatureName[] {
  return WANTED_FEATURES.filter((f) => available.has(f) && !disabled.includes(f));
}
