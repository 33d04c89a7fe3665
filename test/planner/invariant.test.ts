/**
 * The cost strategy never loses to a plan the same planner would give: its estimate is at most
 * every baseline's (none, fuse-all, fuse-no-redundancy) and every plan with one more node pinned
 * as materialized (`materialize: [id]`), under the same cost model. On random DAGs of both
 * generators and on every example model (test/planner/invariant-examples.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invariantViolations } from './helpers.js';
import { buildCse, cseRecipeArb } from '../support/cse-dag.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';

describe('the cost plan is never rated worse than a baseline or a single pin', () => {
  it('on random CSE-heavy DAGs', () => {
    fc.assert(
      fc.property(cseRecipeArb({ maxSteps: 10 }), (r) => {
        const model = buildCse(r);
        expect(invariantViolations(model, {}).join('; ')).toBe('');
      }),
      fuzzParams(60),
    );
  });

  it('on random DAGs of every op kind', () => {
    fc.assert(
      fc.property(recipeArb({ maxSteps: 10 }), (r) => {
        const { model, dims } = buildRecipe(r);
        expect(invariantViolations(model, dims).join('; ')).toBe('');
      }),
      fuzzParams(60),
    );
  });
});
