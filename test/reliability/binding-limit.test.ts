/**
 * Random DAGs on a device whose storage bindings hold only 1024 floats: every strategy either
 * plans around the limit (fusing what would not fit) or refuses at compile time with a typed error
 * that names the tensor and the limit. Nothing may reach the device and fail there.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { FuseplanError } from '../../src/ir/errors.js';
import { STRATEGIES } from '../../src/plan/plan.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { assertAsyncProperty } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

const LIMIT = 4096;
let small: Runtime;
beforeAll(async () => {
  small = await createRuntime({ limits: { maxStorageBufferBindingSize: LIMIT } });
});
afterAll(() => small?.destroy());

describe(`maxStorageBufferBindingSize = ${LIMIT} bytes, random DAGs`, () => {
  it('every strategy runs correctly or refuses at compile time, naming a tensor and the limit', async () => {
    const outcome = { ran: 0, refused: 0 };
    await assertAsyncProperty(
      fc.asyncProperty(recipeArb({ maxSteps: 8 }), fc.constantFrom(...STRATEGIES), async (recipe, strategy) => {
        const b = buildRecipe(recipe);
        let plan;
        try {
          plan = compile(b.model, { dims: b.dims, strategy, limits: small.limits });
        } catch (e) {
          expect(e).toBeInstanceOf(FuseplanError);
          expect((e as FuseplanError).code).toBe('limit');
          expect((e as Error).message).toMatch(/^(input|output|tensor) .*needs \d+ bytes; the device's maxStorageBufferBindingSize is 4096$/);
          outcome.refused++;
          return;
        }
        const { outputs } = await small.run(plan, b.inputs);
        const ref = evaluate(b.model, b.dims, b.inputs);
        for (const o of b.model.outputs) expect(compareToReference(outputs[o.name]!, ref[o.name]!).ok, o.name).toBe(true);
        outcome.ran++;
      }),
      30,
    );
    // Both outcomes must occur, or the limit was not exercised.
    expect(outcome.ran).toBeGreaterThan(0);
    expect(outcome.refused).toBeGreaterThan(0);
    expect(small.stats().liveBuffers).toBe(0);
  });
});
