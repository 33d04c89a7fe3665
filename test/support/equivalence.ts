import fc from 'fast-check';
import { compile } from '../../src/api/compile.js';
import { DEFAULT_PROFILE, type KernelParams } from '../../src/cost/profile.js';
import type { Strategy } from '../../src/plan/plan.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import type { Runtime } from '../../src/runtime/index.js';
import { buildRecipe, recipeArb, type Recipe } from './random-dag.js';

/**
 * The random-DAG equivalence check shared by test/api/equivalence.test.ts and `npm run fuzz`: the
 * same arbitraries in the same order, so a seed names the same DAGs in both.
 *
 * Every codegen variant a profile can ask for (the choices calibration makes, src/calibrate) is
 * drawn at random per DAG, so no variant is only ever tested on hand-picked shapes.
 */
export const kernelVariant: fc.Arbitrary<KernelParams> = fc.record({
  cell: fc.record({ vec4PerThread: fc.constantFrom(1, 2, 4, 8), scalarPerThread: fc.constantFrom(1, 4, 8, 16) }),
  reduce: fc.record({ layout: fc.constantFrom('thread' as const, 'group' as const) }),
  row: fc.record({ minLanes: fc.constantFrom(1, 32, 256, 2048), cacheMax: fc.constantFrom(0, 16) }),
});

export const equivalenceCase = (): fc.Arbitrary<[Recipe, KernelParams]> => fc.tuple(recipeArb(), kernelVariant);

export interface EquivalenceStats {
  elements: number;
  unbounded: number;
  worst: number;
  readonly templates: Set<string>;
}

export const newStats = (): EquivalenceStats => ({ elements: 0, unbounded: 0, worst: 0, templates: new Set() });

/** Plans, runs and compares one random DAG under one strategy; throws with the plan on a mismatch. */
export async function checkEquivalence(gpu: Runtime, recipe: Recipe, kernels: KernelParams, strategy: Strategy, stats: EquivalenceStats): Promise<void> {
  const b = buildRecipe(recipe);
  const plan = compile(b.model, { dims: b.dims, strategy, limits: gpu.limits, profile: { ...DEFAULT_PROFILE, kernels } });
  plan.plan.ops.forEach((o) => stats.templates.add(o.template));
  const { outputs } = await gpu.run(plan, b.inputs, { poison: true });
  const ref = evaluate(b.model, b.dims, b.inputs);
  for (const o of b.model.outputs) {
    const c = compareToReference(outputs[o.name]!, ref[o.name]!);
    stats.elements += ref[o.name]!.data.length;
    stats.unbounded += c.unbounded;
    stats.worst = Math.max(stats.worst, c.worst);
    if (!c.ok) {
      throw new Error(`strategy ${strategy}, output ${o.name}: ${c.badCount} of ${ref[o.name]!.data.length} beyond their bounds; first ${JSON.stringify(c.mismatches.slice(0, 3))}\nkernels ${JSON.stringify(kernels)}\n${plan.explain()}`);
    }
  }
}
