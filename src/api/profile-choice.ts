/**
 * Which cost profile compile() plans with when the caller passes none: the stored calibration of
 * the runtime's adapter, else the generic profile for that kind of adapter, else (no runtime) the
 * generic GPU profile. Stored calibrations live on disk (Node only), so this module does not read
 * them itself: the Node entry installs a lookup (useCalibrationStore), and a browser page may
 * install its own, so the browser bundle never reaches node:fs.
 */
import { genericProfileFor, GENERIC_GPU_PROFILE, type AdapterDescription, type DeviceProfile } from '../cost/profile.js';
import type { DeviceLimits } from '../ir/limits.js';

/** What compile() reads of a runtime: its limits, its adapter and its device's features. A Runtime is one. */
export interface PlanTarget {
  readonly limits: DeviceLimits;
  readonly adapterInfo: AdapterDescription;
  /** The device's features (f16 storage needs `shader-f16`); absent: none assumed. */
  readonly features?: readonly string[];
}

/** The stored calibration for an adapter, or null/undefined when it has none. */
export type CalibrationLookup = (adapter: AdapterDescription) => DeviceProfile | null | undefined;

let lookup: CalibrationLookup | null = null;

/** Installs (or with null removes) where compile({ runtime }) finds adapters' calibrations. */
export function useCalibrationStore(fn: CalibrationLookup | null): void {
  lookup = fn;
}

export interface ProfileChoice {
  readonly profile: DeviceProfile;
  /** How it was chosen, for explain; says how to calibrate when the profile is not a measurement. */
  readonly why: string;
}

const CALIBRATE_HINT = 'run `fuseplan calibrate` on this machine to measure the adapter';

export function chooseProfile(given: DeviceProfile | undefined, target: PlanTarget | undefined): ProfileChoice {
  if (given !== undefined) return { profile: given, why: 'given' };
  if (target === undefined) {
    return { profile: GENERIC_GPU_PROFILE, why: `no runtime given, so no device to plan for: uncalibrated; pass { runtime } to compile() and ${CALIBRATE_HINT}` };
  }
  let stored: DeviceProfile | null | undefined = null;
  try {
    stored = lookup?.(target.adapterInfo);
  } catch {
    // An unreadable store is an absent calibration, as in profile-store itself.
  }
  if (stored !== null && stored !== undefined) return { profile: stored, why: "the adapter's stored calibration" };
  const a = target.adapterInfo;
  const name = [a.vendor, a.device || a.architecture].filter(Boolean).join(' ') || 'an unnamed adapter';
  return { profile: genericProfileFor(a), why: `uncalibrated on ${name}; ${CALIBRATE_HINT}` };
}
