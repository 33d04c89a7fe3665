import { lowerPlan, type LoweredPlan } from '../codegen/lower.js';
import type { Executable } from '../codegen/kernel.js';
import { describeKernelParams, effectiveKernelParams, type DeviceProfile } from '../cost/profile.js';
import { limitError, modelError } from '../ir/errors.js';
import { printModel, validateModel, type Dims, type ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import type { ConcreteShape } from '../ir/shape.js';
import { explainDot } from '../explain/dot.js';
import { explainJSON, explainText } from '../explain/text.js';
import { STRATEGIES, type Plan, type Strategy } from '../plan/plan.js';
import { planModel } from '../planner/planner.js';
import { LIMIT_NAMES, WEBGPU_DEFAULT_LIMITS } from '../ir/limits.js';
import type { DeviceLimits } from '../ir/limits.js';
import { f16Nodes } from '../plan/precision.js';
import { precisionOptions, type PrecisionOption } from './precision-option.js';
import { chooseProfile, type PlanTarget } from './profile-choice.js';

export { STRATEGIES, type Strategy };

export interface CompileOptions {
  /** Sizes for the model's symbolic dims. */
  readonly dims?: Dims;
  /** 'cost' (default): the cost-based search; or a baseline: 'none', 'fuse-all', 'fuse-no-redundancy'. */
  readonly strategy?: Strategy;
  /**
   * The runtime to plan for: its limits (unless `limits` is given) and its adapter's profile
   * (unless `profile` is given): the calibration stored by `fuseplan calibrate` where the entry
   * point installed a store (the Node entry does), else a generic profile for that kind of adapter.
   */
  readonly runtime?: PlanTarget;
  /** The device limits to plan for; default: the runtime's, else the WebGPU spec defaults. */
  readonly limits?: DeviceLimits;
  /**
   * Cost-model constants and kernel parameters; default: chosen for `runtime` (see there), or
   * GENERIC_GPU_PROFILE with no runtime.
   */
  readonly profile?: DeviceProfile;
  /** Node ids to keep materialized, in addition to tensors pinned with materialize() in the DSL. */
  readonly materialize?: readonly NodeId[];
  /**
   * An error budget that lets the planner store intermediates as f16 where the device has
   * `shader-f16` (docs/planner.md, "Mixed precision"). Default: every tensor f32, exactly.
   */
  readonly precision?: PrecisionOption;
}

export type ExplainFormat = 'text' | 'json' | 'dot' | 'wgsl' | 'ir';

export interface CompiledModel {
  readonly name: string;
  readonly model: ModelIR;
  readonly dims: Dims;
  readonly strategy: Strategy;
  readonly limits: DeviceLimits;
  readonly shapes: readonly ConcreteShape[];
  readonly plan: Plan;
  /** The profile it was planned and lowered with (its `kernels` chose the kernel variants). */
  readonly profile: DeviceProfile;
  /** Why that profile: given, the adapter's stored calibration, or uncalibrated (with how to calibrate). */
  readonly profileChoice: string;
  readonly executable: Executable;
  readonly memory: LoweredPlan['memory'];
  /** Kernel launches per fused operator (two-pass reductions launch two). */
  readonly kernelsPerOp: readonly number[];
  readonly inputNames: readonly string[];
  /** The plan: which ops were fused, what was materialized and why, per-operator estimates. */
  explain(format?: ExplainFormat): string;
  toJSON(): object;
}

/** Anything that carries a model IR: a DSL model or the IR itself. */
export type ModelLike = ModelIR | { readonly ir: ModelIR };

export const toIR = (m: ModelLike): ModelIR => {
  if (typeof m !== 'object' || m === null) throw modelError(`expected a model (from model()) or a ModelIR, got ${m === null ? 'null' : typeof m}`);
  return 'ir' in m ? m.ir : m;
};

/**
 * Limits come from a device or from JSON (a cached calibration): each must be a positive integer,
 * and a kernel needs at least 4 storage bindings (a `where` reads three tensors and writes one).
 */
function checkLimits(limits: DeviceLimits): void {
  if (typeof limits !== 'object' || limits === null) throw limitError(`limits must be a DeviceLimits object (e.g. runtime.limits), got ${limits === null ? 'null' : typeof limits}`);
  for (const name of LIMIT_NAMES) {
    const v = limits[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw limitError(`limit ${name} must be a positive integer, got ${typeof v === 'number' ? v : typeof v}`);
  }
  if (limits.maxStorageBuffersPerShaderStage < MIN_STORAGE_BUFFERS) {
    throw limitError(`limit maxStorageBuffersPerShaderStage = ${limits.maxStorageBuffersPerShaderStage} is below ${MIN_STORAGE_BUFFERS}, the fewest a single op needs (where: 3 reads + 1 write)`);
  }
}
const MIN_STORAGE_BUFFERS = 4;

/** Plans a model for the given dims and lowers the plan to WGSL kernels. Pure: no device needed. */
export function compile(m: ModelLike, opts: CompileOptions = {}): CompiledModel {
  const model = toIR(m);
  validateModel(model);
  if (typeof opts !== 'object' || opts === null) throw modelError(`compile options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const dims = opts.dims ?? {};
  const strategy = opts.strategy ?? 'cost';
  if (!STRATEGIES.includes(strategy)) throw modelError(`unknown strategy '${String(strategy)}' (known: ${STRATEGIES.join(', ')})`);
  const target = opts.runtime;
  if (target !== undefined && (typeof target !== 'object' || target === null || typeof target.limits !== 'object' || typeof target.adapterInfo !== 'object')) {
    throw modelError(`compile options: runtime must be a runtime (from createRuntime()), got ${target === null ? 'null' : typeof target}`);
  }
  const limits = opts.limits ?? target?.limits ?? WEBGPU_DEFAULT_LIMITS;
  checkLimits(limits);
  if (opts.materialize !== undefined) {
    if (!Array.isArray(opts.materialize)) throw modelError(`model '${model.name}': materialize must be an array of node ids`);
    for (const id of opts.materialize) {
      if (!Number.isInteger(id) || model.graph.nodes[id] === undefined) {
        throw modelError(`model '${model.name}': materialize: ${typeof id === 'string' ? JSON.stringify(id) : String(id)} is not a node of this model's graph (it has ${model.graph.nodes.length} nodes)`);
      }
    }
  }
  const { profile, why } = chooseProfile(opts.profile, target);
  const precision = opts.precision === undefined ? undefined : precisionOptions(model, opts.precision, target);
  const plan = planModel(model, dims, { strategy, limits, profile, ...(opts.materialize ? { materialize: opts.materialize } : {}), ...(precision ? { precision } : {}) });
  const lowered = lowerPlan(model, plan.shapes, plan.ops, { limits, ...profile.kernels, f16: f16Nodes(plan) });
  const extras = { memory: lowered.memory, kernelNotes: plan.ops.map((_, i) => `${lowered.kernelsPerOp[i]} kernel${lowered.kernelsPerOp[i] === 1 ? '' : 's'}`) };
  // The profile and the kernel parameters it chose, after explain's summary lines.
  const params = effectiveKernelParams(profile);
  const paramsLine = `  cost profile: ${profile.source}${why === 'given' ? '' : ` (${why})`}\n  kernel parameters: ${describeKernelParams(profile)}`;
  const withParams = (text: string): string => {
    const lines = text.split('\n');
    const at = lines.findIndex((l, i) => i > 0 && !l.startsWith('  '));
    lines.splice(at < 0 ? lines.length : at, 0, paramsLine);
    return lines.join('\n');
  };
  const json = (): object => ({ ...explainJSON(plan, extras), profile: profile.source, profileChoice: why, kernelParameters: params });
  const compiled: CompiledModel = {
    name: model.name,
    model,
    dims,
    strategy,
    limits,
    shapes: plan.shapes,
    plan,
    profile,
    profileChoice: why,
    executable: lowered.executable,
    memory: lowered.memory,
    kernelsPerOp: lowered.kernelsPerOp,
    inputNames: model.inputs.map((i) => i.name),
    explain: (format = 'text') => {
      switch (format) {
        case 'text':
          return withParams(explainText(plan, extras));
        case 'json':
          return JSON.stringify(json(), null, 2);
        case 'dot':
          return explainDot(plan);
        case 'ir':
          return printModel(model, dims);
        case 'wgsl':
          return lowered.executable.kernels.map((k) => `// ${k.label}${k.op ? `  (op ${k.op})` : ''}  dispatch ${k.dispatch.join('x')}\n${k.wgsl}`).join('\n');
      }
    },
    toJSON: json,
  };
  return compiled;
}
