/**
 * How often the planner's single-pin invariant fails on random DAGs (docs/planner.md, "Known
 * gaps"): `n` DAGs of each generator of the invariant test (CSE-heavy and every op kind) from one
 * seed; for each, the cost plan against every baseline and every single pin (the test's check).
 * Prints each violating DAG (index, whether the search was exhaustive, the violations) and a count.
 *
 *   npx tsx bench/invariant-rate.ts [n=200] [seed=1]
 *
 * No GPU needed: planning is pure.
 */
import fc from 'fast-check';
import type { Dims, ModelIR } from '../src/ir/model.js';
import { planModel } from '../src/planner/planner.js';
import { buildCse, cseRecipeArb } from '../test/support/cse-dag.js';
import { buildRecipe, recipeArb } from '../test/support/random-dag.js';
import { invariantViolations } from '../test/planner/helpers.js';

const n = Number(process.argv[2] ?? 200);
const seed = Number(process.argv[3] ?? 1);
const cases: { model: ModelIR; dims: Dims }[] = [];
for (const r of fc.sample(cseRecipeArb({ maxSteps: 10 }), { numRuns: n, seed })) cases.push({ model: buildCse(r), dims: {} });
for (const r of fc.sample(recipeArb({ maxSteps: 10 }), { numRuns: n, seed })) cases.push(buildRecipe(r));
const t0 = performance.now();
let bad = 0;
let heuristic = 0;
for (const [i, c] of cases.entries()) {
  const v = invariantViolations(c.model, c.dims);
  const exhaustive = planModel(c.model, c.dims, { strategy: 'cost' }).search.exhaustive;
  if (!exhaustive) heuristic++;
  if (v.length === 0) continue;
  bad++;
  console.log(`#${i} ${exhaustive ? 'exhaustive' : 'heuristic'}: ${v.join('; ')}`);
}
console.log(`seed ${seed}: ${bad} of ${cases.length} DAGs violate the invariant (${heuristic} heuristic) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
