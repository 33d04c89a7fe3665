/// <reference types="@webgpu/types" preserve="true" />
/**
 * fuseplan: write tensor models in a typed DSL, plan operator fusion by cost, run fused WGSL
 * kernels on WebGPU. Node entry point (the browser entry is ./browser.ts).
 */
export * from './dsl/index.js';
export { compile, toIR, type CompileOptions, type CompiledModel, type ModelLike } from './api/compile.js';
export type { PrecisionOption } from './api/precision-option.js';
export { randomInputs, seededRandom } from './api/random-inputs.js';
// Typed results (Either / TaskEither) alongside the throwing calls; see docs/architecture.md.
export { compileE, validateFeedsE, runTE } from './api/either.js';
export { createRuntimeTE } from './api/either-node.js';
export { decodePlanJSON, type PlanJSON, type ExplainJSON } from './explain/plan-json.js';
export { evaluate, type RefTensor } from './reference/evaluate.js';
export { compareToReference, type Comparison } from './reference/compare.js';
export { FuseplanError, type ErrorCode } from './ir/errors.js';
export { printModel, type ModelIR, type Dims } from './ir/model.js';
export { createRuntime, WEBGPU_DEFAULT_LIMITS, type Runtime, type RuntimeOptions, type DeviceLimits } from './runtime/index.js';
export { explainHtml } from './viewer/html.js';
export { DEFAULT_PROFILE, type DeviceProfile, type KernelParams, type BandwidthShares, type MatmulParams } from './cost/profile.js';
export { calibrate, type CalibrateOptions, type CalibrationProgress, type CalibrationResult } from './calibrate/calibrate.js';
export { profileFor, loadProfile, saveProfile, latestProfile, readProfileFile, cacheDir, type StoredProfile } from './calibrate/profile-store.js';
export { GpuTensor, type ExecuteOptions, type ExecuteResult, type OutputPlacement, type RuntimeStats, type RuntimeCounters } from './runtime/index.js';
export { GENERIC_GPU_PROFILE, genericProfileFor, isCpuAdapter, type AdapterDescription } from './cost/profile.js';
export { useCalibrationStore, type CalibrationLookup, type PlanTarget } from './api/profile-choice.js';

// The Node entry plans with the calibrations `fuseplan calibrate` stored on disk (the browser entry
// cannot read them; a page can install its own lookup with useCalibrationStore).
import { useCalibrationStore as installCalibrationStore } from './api/profile-choice.js';
import { loadProfile as loadStoredProfile } from './calibrate/profile-store.js';
installCalibrationStore((adapter) => loadStoredProfile(adapter)?.profile);
