/// <reference types="@webgpu/types" preserve="true" />
/**
 * fuseplan: write tensor models in a typed DSL, plan operator fusion by cost, run fused WGSL
 * kernels on WebGPU. Node entry point (the browser entry is ./browser.ts).
 */
export * from './dsl/index.js';
export { compile, toIR, type CompileOptions, type CompiledModel, type ModelLike } from './api/compile.js';
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
