/// <reference types="@webgpu/types" preserve="true" />
/**
 * Browser entry point: the same API as the Node entry, with a runtime over navigator.gpu and no
 * path to the `webgpu` (Dawn) package.
 */
export * from './dsl/index.js';
export { compile, toIR, type CompileOptions, type CompiledModel, type ModelLike } from './api/compile.js';
export type { PrecisionOption } from './api/precision-option.js';
export { randomInputs, seededRandom } from './api/random-inputs.js';
// Typed results (Either / TaskEither) alongside the throwing calls; see docs/architecture.md.
export { compileE, validateFeedsE, runTE } from './api/either.js';
export { createRuntimeTE } from './api/either-browser.js';
export { decodePlanJSON, type PlanJSON, type ExplainJSON } from './explain/plan-json.js';
export { evaluate, type RefTensor } from './reference/evaluate.js';
export { compareToReference } from './reference/compare.js';
export { FuseplanError, type ErrorCode } from './ir/errors.js';
export { printModel, type ModelIR, type Dims } from './ir/model.js';
export { createBrowserRuntime as createRuntime } from './runtime/browser.js';
export { WEBGPU_DEFAULT_LIMITS } from './ir/limits.js';
export type { Runtime, RuntimeOptions, DeviceLimits } from './runtime/types.js';
export { DEFAULT_PROFILE, type DeviceProfile, type KernelParams, type BandwidthShares, type MatmulParams } from './cost/profile.js';
// Calibration works in the browser too; storing profiles (profile-store, node:fs) is Node-only.
export { calibrate, type CalibrateOptions, type CalibrationProgress, type CalibrationResult } from './calibrate/calibrate.js';
export { GpuTensor } from './runtime/tensor.js';
export type { ExecuteOptions, ExecuteResult, OutputPlacement, RuntimeStats, RuntimeCounters } from './runtime/types.js';
export { GENERIC_GPU_PROFILE, genericProfileFor, isCpuAdapter, type AdapterDescription } from './cost/profile.js';
export { useCalibrationStore, type CalibrationLookup, type PlanTarget } from './api/profile-choice.js';
