import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRATEGIES } from '../../src/plan/plan.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { checkEquivalence, equivalenceCase, newStats } from '../support/equivalence.js';
import { assertAsyncProperty } from '../support/fuzz-config.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** Per strategy and seed; 4 x 2 x 40 = 320 random DAGs per CI run (FUSEPLAN_RUNS scales it). */
const RUNS = 40;

describe.each(STRATEGIES)('strategy %s: random DAGs equal the float64 reference', (strategy) => {
  it(`${RUNS} random DAGs per seed, random kernel variants (broadcasts, size-1 and odd dims, reductions, matmul, transposes, multi-output)`, async () => {
    const stats = newStats();
    await assertAsyncProperty(
      fc.asyncProperty(equivalenceCase(), async ([recipe, kernels]) => checkEquivalence(gpu, recipe, kernels, strategy, stats)),
      RUNS,
    );
    // The per-element bounds must bind: an analysis that called most elements ill-conditioned
    // (infinite bound) would pass anything.
    console.log(`strategy ${strategy}: ${stats.elements} elements, ${stats.unbounded} unbounded, worst error ${(stats.worst * 100).toFixed(1)}% of its allowance`);
    expect(stats.unbounded / stats.elements).toBeLessThan(0.02);
    if (strategy === 'none') expect([...stats.templates]).toEqual(['single']);
    else expect(stats.templates.size).toBeGreaterThanOrEqual(2);
  });
});
