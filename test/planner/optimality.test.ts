/**
 * The cost strategy's selection is optimal: on random CSE-heavy DAGs with at most MAX_POINTS
 * interesting points in total, enumerating every assignment of every point (globally, across
 * partitions, no pruning) finds no plan cheaper than the union of PartitionSearch.solve()'s cuts.
 * The objective is the search's: the builder's operators for those cuts (roots = outputs and
 * pins, plus the pins' fixed cuts), merged into multi-aggregates per partition, priced by planCost.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCost } from '../../src/cost/op-cost.js';
import { DEFAULT_PROFILE } from '../../src/cost/profile.js';
import { PartitionSearch } from '../../src/planner/enumerate.js';
import { planModel } from '../../src/planner/planner.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildCse, cseRecipeArb } from '../support/cse-dag.js';
import { objective, setup } from './helpers.js';
import { bruteForce } from './oracle.js';

const MAX_POINTS = 10;
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('cost strategy = brute force over all interesting points', () => {
  it('on random CSE-heavy DAGs (and the distribution has points)', () => {
    let cases = 0;
    let withTwoOrMore = 0;
    let maxPoints = 0;
    let multiPartition = 0;
    fc.assert(
      fc.property(cseRecipeArb(), (r) => {
        const model = buildCse(r);
        const s = setup(model, {});
        const points = s.parts.flatMap((p) => p.points);
        if (points.length > MAX_POINTS) return; // too many for brute force; counted as not sampled
        cases++;
        if (points.length >= 2) withTwoOrMore++;
        if (s.parts.filter((p) => p.points.length > 0).length >= 2) multiPartition++;
        maxPoints = Math.max(maxPoints, points.length);

        // The search, partition by partition.
        const chosen = new Set<string>();
        let searchMs = 0;
        for (const part of s.parts) {
          const r = new PartitionSearch(s.ctx, s.memo, s.builder, part).solve();
          expect(r.exhaustive).toBe(true);
          for (const k of r.cut) chosen.add(k);
          searchMs += r.ms;
        }
        const chosenMs = objective(s, chosen);
        // Partitions are independent: the whole model's cost is the sum of the partitions' costs.
        expect(close(chosenMs, searchMs), `sum of partition costs ${searchMs} vs whole-model cost ${chosenMs}`).toBe(true);

        // Brute force: every subset of every point, globally.
        let best = Infinity;
        let bestCut: string[] = [];
        for (let mask = 0; mask < 1 << points.length; mask++) {
          const cut = points.filter((_, i) => (mask >> i) & 1).map((p) => p.key);
          const ms = objective(s, cut);
          if (ms < best) (best = ms), (bestCut = cut);
        }
        expect(chosenMs <= best * (1 + 1e-9), `search ${chosenMs} [${[...chosen].join(' ')}] vs brute force ${best} [${bestCut.join(' ')}]`).toBe(true);

        // The planner's final plan is that selection (global multi-aggregate merging only lowers it).
        const plan = planModel(model, {}, { strategy: 'cost' });
        expect(plan.search.exhaustive).toBe(true);
        expect(close(planCost(s.ctx, plan.ops, s.ctx.profile).ms, plan.estimatedMs)).toBe(true);
        if (!plan.decisions.some((d) => d.reason.kind === 'limit')) expect(plan.estimatedMs).toBeLessThanOrEqual(best * (1 + 1e-9));
      }),
      fuzzParams(250),
    );
    expect(cases).toBeGreaterThan(100);
    expect(withTwoOrMore / cases).toBeGreaterThanOrEqual(0.3);
    expect(maxPoints).toBeGreaterThanOrEqual(6);
    expect(multiPartition).toBeGreaterThan(0);
  });

  // Found by the property above (CI seed 1541208873): merging two row programs in one partition
  // while a third operator there read a value another partition computes from one of them made a
  // cyclic plan, priced below every legal one. The merge must see waits through other partitions.
  it('merges never wait on themselves through another partition (regression)', () => {
    const recipe = {
      rows: 8,
      cols: 16,
      steps: [
        { kind: 'unary', fn: 'exp', a: 0 },
        { kind: 'binary', fn: 'add', a: 409, b: 1452 },
        { kind: 'rowReduce', fn: 'sum', a: 3913 },
        { kind: 'unary', fn: 'exp', a: 6245 },
        { kind: 'unary', fn: 'exp', a: 625 },
        { kind: 'colSum', a: 8729 },
        { kind: 'binary', fn: 'add', a: 1533, b: 665 },
        { kind: 'binary', fn: 'add', a: 0, b: 3917 },
        { kind: 'matmul', a: 7173 },
        { kind: 'scalar', fn: 'add', a: 6445 },
        { kind: 'rowReduce', fn: 'sum', a: 8893 },
      ],
      outputs: [],
      pin: null,
    } as unknown as Parameters<typeof buildCse>[0];
    const model = buildCse(recipe);
    const s = setup(model, {});
    const points = s.parts.flatMap((p) => p.points);
    let best = Infinity;
    for (let mask = 0; mask < 1 << points.length; mask++) best = Math.min(best, objective(s, points.filter((_, i) => (mask >> i) & 1).map((p) => p.key)));
    const plan = planModel(model, {}, { strategy: 'cost' });
    expect(plan.ops).toHaveLength(4);
    expect(close(plan.estimatedMs, best)).toBe(true);
  });
});

/**
 * Against an independent oracle (oracle.ts: its own enumeration of legal groupings and template
 * rules, sharing only opCost with the planner) on random DAGs of up to 10 computed nodes without
 * matmuls or transposes: the planner's plan is never rated worse than the oracle's best grouping.
 * The heuristic path (a search budget of one plan per partition, so the exact walk stops at once
 * and local search finishes) is measured against the same oracle, and its gap reported.
 */
describe('cost strategy vs an independent brute-force oracle', () => {
  it('exact search and heuristic search on 500 random DAGs of <= 10 nodes', () => {
    let cases = 0;
    let heuristicCases = 0;
    let gaps = 0;
    let maxGap = 0;
    fc.assert(
      fc.property(
        cseRecipeArb({ minSteps: 3, maxSteps: 8 }).filter((r) => r.steps.every((s) => s.kind !== 'matmul')),
        (r) => {
          const model = buildCse(r);
          const o = bruteForce(model, {}, DEFAULT_PROFILE);
          if (o === null) return;
          cases++;
          const exact = planModel(model, {}, { strategy: 'cost' });
          expect(exact.estimatedMs, `planner ${exact.estimatedMs} vs oracle ${o.ms} (materialized ${o.materialized.join(',')})`).toBeLessThanOrEqual(o.ms * (1 + 1e-9));
          const heur = planModel(model, {}, { strategy: 'cost', searchBudget: 1 });
          if (!heur.search.exhaustive) heuristicCases++;
          // The guard keeps even the heuristic plan at or below the baselines it could have been.
          const baseline = Math.min(...(['fuse-all', 'fuse-no-redundancy'] as const).map((s) => planModel(model, {}, { strategy: s }).estimatedMs));
          expect(heur.estimatedMs).toBeLessThanOrEqual(baseline * (1 + 1e-9));
          const gap = heur.estimatedMs / o.ms - 1;
          if (gap > 1e-9) (gaps++, (maxGap = Math.max(maxGap, gap)));
        },
      ),
      fuzzParams(500),
    );
    // The gap the heuristic leaves against the oracle (reported, not asserted: it is a heuristic).
    console.log(`oracle: ${cases} DAGs; heuristic path taken on ${heuristicCases}; worse than the oracle on ${gaps} (max gap ${(maxGap * 100).toFixed(2)}%)`);
    expect(cases).toBeGreaterThan(400);
    expect(heuristicCases).toBeGreaterThan(0);
  });
});
