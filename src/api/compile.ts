import { lowerPlan, type LoweredPlan } from '../codegen/lower.js';
import type { Executable } from '../codegen/kernel.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../cost/profile.js';
import { modelError } from '../ir/errors.js';
import { printModel, validateModel, type Dims, type ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import type { ConcreteShape } from '../ir/shape.js';
import { explainDot, explainJSON, explainText } from '../planner/explain.js';
import { STRATEGIES, type Plan, type Strategy } from '../planner/plan.js';
import { planModel } from '../planner/planner.js';
import { WEBGPU_DEFAULT_LIMITS } from '../runtime/limits.js';
import type { DeviceLimits } from '../runtime/types.js';

export { STRATEGIES, type Strategy };

export interface CompileOptions {
  /** Sizes for the model's symbolic dims. */
  readonly dims?: Dims;
  /** 'cost' (default): the cost-based search; or a baseline: 'none', 'fuse-all', 'fuse-no-redundancy'. */
  readonly strategy?: Strategy;
  /** The device limits to plan for; default: the WebGPU spec defaults (pass runtime.limits for a real device). */
  readonly limits?: DeviceLimits;
  /** Cost-model constants; default: DEFAULT_PROFILE. */
  readonly profile?: DeviceProfile;
  /** Node ids to keep materialized, in addition to tensors pinned with materialize() in the DSL. */
  readonly materialize?: readonly NodeId[];
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

export const toIR = (m: ModelLike): ModelIR => ('ir' in m ? m.ir : m);

/** Plans a model for the given dims and lowers the plan to WGSL kernels. Pure: no device needed. */
export function compile(m: ModelLike, opts: CompileOptions = {}): CompiledModel {
  const model = toIR(m);
  validateModel(model);
  const dims = opts.dims ?? {};
  const strategy = opts.strategy ?? 'cost';
  if (!STRATEGIES.includes(strategy)) throw modelError(`unknown strategy '${String(strategy)}' (known: ${STRATEGIES.join(', ')})`);
  const limits = opts.limits ?? WEBGPU_DEFAULT_LIMITS;
  const plan = planModel(model, dims, { strategy, limits, profile: opts.profile ?? DEFAULT_PROFILE, ...(opts.materialize ? { materialize: opts.materialize } : {}) });
  const lowered = lowerPlan(model, plan.shapes, plan.ops, { limits });
  const extras = { memory: lowered.memory, kernelNotes: plan.ops.map((_, i) => `${lowered.kernelsPerOp[i]} kernel${lowered.kernelsPerOp[i] === 1 ? '' : 's'}`) };
  const compiled: CompiledModel = {
    name: model.name,
    model,
    dims,
    strategy,
    limits,
    shapes: plan.shapes,
    plan,
    executable: lowered.executable,
    memory: lowered.memory,
    kernelsPerOp: lowered.kernelsPerOp,
    inputNames: model.inputs.map((i) => i.name),
    explain: (format = 'text') => {
      switch (format) {
        case 'text':
          return explainText(plan, extras);
        case 'json':
          return JSON.stringify(explainJSON(plan, extras), null, 2);
        case 'dot':
          return explainDot(plan);
        case 'ir':
          return printModel(model, dims);
        case 'wgsl':
          return lowered.executable.kernels.map((k) => `// ${k.label}${k.op ? `  (op ${k.op})` : ''}  dispatch ${k.dispatch.join('x')}\n${k.wgsl}`).join('\n');
      }
    },
    toJSON: () => explainJSON(plan, extras),
  };
  return compiled;
}
