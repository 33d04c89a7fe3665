import { lowerUnfused } from '../codegen/lower-unfused.js';
import type { Executable } from '../codegen/kernel.js';
import { modelError } from '../ir/errors.js';
import { bindShapes, printModel, validateModel, type Dims, type ModelIR } from '../ir/model.js';
import type { ConcreteShape } from '../ir/shape.js';
import { WEBGPU_DEFAULT_LIMITS } from '../runtime/limits.js';
import type { DeviceLimits } from '../runtime/types.js';

/** Fusion strategies. Only `none` (one kernel per primitive op) exists until the planner lands. */
export type Strategy = 'none';
export const STRATEGIES: readonly Strategy[] = ['none'];

export interface CompileOptions {
  /** Sizes for the model's symbolic dims. */
  readonly dims?: Dims;
  readonly strategy?: Strategy;
  /** The device limits to plan for; default: the WebGPU spec defaults (runtime.limits for a real device). */
  readonly limits?: DeviceLimits;
}

export interface CompiledModel {
  readonly name: string;
  readonly model: ModelIR;
  readonly dims: Dims;
  readonly strategy: Strategy;
  readonly limits: DeviceLimits;
  readonly shapes: readonly ConcreteShape[];
  readonly executable: Executable;
  readonly inputNames: readonly string[];
  /** A readable account of what will run. */
  explain(): string;
}

/** Anything that carries a model IR: a DSL model or the IR itself. */
export type ModelLike = ModelIR | { readonly ir: ModelIR };

export const toIR = (m: ModelLike): ModelIR => ('ir' in m ? m.ir : m);

export function compile(m: ModelLike, opts: CompileOptions = {}): CompiledModel {
  const model = toIR(m);
  validateModel(model);
  const dims = opts.dims ?? {};
  const strategy = opts.strategy ?? 'none';
  if (!STRATEGIES.includes(strategy)) throw modelError(`unknown strategy '${String(strategy)}' (known: ${STRATEGIES.join(', ')})`);
  const limits = opts.limits ?? WEBGPU_DEFAULT_LIMITS;
  const shapes = bindShapes(model, dims);
  const executable = lowerUnfused(model, dims, { maxWorkgroupsPerDim: limits.maxComputeWorkgroupsPerDimension });
  return {
    name: model.name,
    model,
    dims,
    strategy,
    limits,
    shapes,
    executable,
    inputNames: model.inputs.map((i) => i.name),
    explain: () => explainUnfused(model, dims, executable),
  };
}

function explainUnfused(model: ModelIR, dims: Dims, exe: Executable): string {
  const bytes = exe.buffers.filter((b) => b.kind === 'intermediate').reduce((s, b) => s + b.bytes, 0);
  return [
    printModel(model, dims),
    '',
    `strategy none: ${exe.kernels.length} kernels, one per primitive op; ${bytes} bytes of intermediates materialized`,
    ...exe.kernels.map((k, i) => `  k${i}: ${k.label}  dispatch ${k.dispatch.join('x')}`),
  ].join('\n');
}
