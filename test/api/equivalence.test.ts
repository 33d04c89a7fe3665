import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { compareToReference, toleranceFor } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { STRATEGIES } from '../../src/plan/plan.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** Per strategy; 4 x 80 = 320 random DAGs per CI run (FUSEPLAN_RUNS scales it). */
const RUNS = 80;

describe.each(STRATEGIES)('strategy %s: random DAGs equal the float64 reference', (strategy) => {
  it(`${RUNS} random DAGs (broadcasts, size-1 and odd dims, reductions, matmul, transposes, multi-output)`, async () => {
    const templates = new Set<string>();
    await fc.assert(
      fc.asyncProperty(recipeArb(), async (recipe) => {
        const b = buildRecipe(recipe);
        const plan = compile(b.model, { dims: b.dims, strategy, limits: gpu.limits });
        plan.plan.ops.forEach((o) => templates.add(o.template));
        const { outputs } = await gpu.run(plan, b.inputs, { poison: true });
        const ref = evaluate(b.model, b.dims, b.inputs);
        const tol = toleranceFor(b.model);
        for (const o of b.model.outputs) {
          const c = compareToReference(outputs[o.name]!, ref[o.name]!.data, tol);
          if (!c.ok) {
            throw new Error(`${o.name}: ${c.badCount} of ${ref[o.name]!.data.length} off (max rel err ${c.maxRelErr}); first ${JSON.stringify(c.mismatches.slice(0, 3))}\n${plan.explain()}`);
          }
        }
      }),
      fuzzParams(RUNS),
    );
    if (strategy === 'none') expect([...templates]).toEqual(['single']);
    else expect(templates.size).toBeGreaterThanOrEqual(2);
  });
});
