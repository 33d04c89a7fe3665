import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { STRATEGIES } from '../../src/plan/plan.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { assertAsyncProperty } from '../support/fuzz-config.js';
import { DEFAULT_PROFILE, type KernelParams } from '../../src/cost/profile.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** Per strategy and seed; 4 x 2 x 40 = 320 random DAGs per CI run (FUSEPLAN_RUNS scales it). */
const RUNS = 40;

/**
 * Every codegen variant a profile can ask for (the choices calibration makes, src/calibrate):
 * each random DAG runs with a random one, so no variant is only ever tested on hand-picked shapes.
 */
const kernelVariant: fc.Arbitrary<KernelParams> = fc.record({
  cell: fc.record({ vec4PerThread: fc.constantFrom(1, 2, 4, 8), scalarPerThread: fc.constantFrom(1, 4, 8, 16) }),
  reduce: fc.record({ layout: fc.constantFrom('thread' as const, 'group' as const) }),
  row: fc.record({ minLanes: fc.constantFrom(1, 32, 256, 2048), cacheMax: fc.constantFrom(0, 16) }),
});

describe.each(STRATEGIES)('strategy %s: random DAGs equal the float64 reference', (strategy) => {
  it(`${RUNS} random DAGs per seed, random kernel variants (broadcasts, size-1 and odd dims, reductions, matmul, transposes, multi-output)`, async () => {
    const templates = new Set<string>();
    const stats = { elements: 0, unbounded: 0, worst: 0 };
    await assertAsyncProperty(
      fc.asyncProperty(recipeArb(), kernelVariant, async (recipe, kernels) => {
        const b = buildRecipe(recipe);
        const plan = compile(b.model, { dims: b.dims, strategy, limits: gpu.limits, profile: { ...DEFAULT_PROFILE, kernels } });
        plan.plan.ops.forEach((o) => templates.add(o.template));
        const { outputs } = await gpu.run(plan, b.inputs, { poison: true });
        const ref = evaluate(b.model, b.dims, b.inputs);
        for (const o of b.model.outputs) {
          const c = compareToReference(outputs[o.name]!, ref[o.name]!);
          stats.elements += ref[o.name]!.data.length;
          stats.unbounded += c.unbounded;
          stats.worst = Math.max(stats.worst, c.worst);
          if (!c.ok) {
            throw new Error(`${o.name}: ${c.badCount} of ${ref[o.name]!.data.length} off (max rel err ${c.maxRelErr}); first ${JSON.stringify(c.mismatches.slice(0, 3))}\n${plan.explain()}`);
          }
        }
      }),
      RUNS,
    );
    // The per-element bounds must bind: an analysis that called most elements ill-conditioned
    // (infinite bound) would pass anything.
    console.log(`strategy ${strategy}: ${stats.elements} elements, ${stats.unbounded} unbounded, worst error ${(stats.worst * 100).toFixed(1)}% of its allowance`);
    expect(stats.unbounded / stats.elements).toBeLessThan(0.02);
    if (strategy === 'none') expect([...templates]).toEqual(['single']);
    else expect(templates.size).toBeGreaterThanOrEqual(2);
  });
});
