import type { NodeId } from '../ir/node.js';
import type { Memo } from './memo.js';
import { edgeKey } from './memo.js';
import type { Partition } from './partition.js';

/** A plan the search's answer must not lose to, as the cuts that give it within a partition. */
export interface Contender {
  /** In words, for explain: 'fuse-all', 'fuse-no-redundancy', 'unfused', 'materialize %12'. */
  readonly name: string;
  readonly cut: ReadonlySet<string>;
}

/** Every fusable (memo-referenced) edge inside the partition, per producer. */
export function fusableEdges(memo: Memo, part: Partition): Map<NodeId, string[]> {
  const out = new Map<NodeId, string[]>();
  for (const h of part.nodes) {
    const refs = new Set((memo.entries.get(h) ?? []).flatMap((e) => e.refs));
    for (const c of refs) if (part.nodes.has(c)) out.set(c, [...(out.get(c) ?? []), edgeKey(h, c)]);
  }
  return out;
}

/**
 * The best plan with a set of edges cut (a producer pinned) scoring below a bound, or null: the
 * search re-solved with that pin (PartitionSearch.solvePinned). Null also where it cannot tell.
 */
export type PinSolver = (pinned: ReadonlySet<string>, bound: number) => { cut: ReadonlySet<string>; ms: number } | null;

/**
 * The baselines restricted to one partition (fuse-all: no cuts; fuse-no-redundancy: every
 * multi-consumer point cut; unfused: every fusable edge cut, so each node is its own operator on
 * its cheaper kernel).
 */
export function baselines(memo: Memo, part: Partition): Contender[] {
  const edges = fusableEdges(memo, part);
  return [
    { name: 'fuse-all', cut: new Set() },
    { name: 'fuse-no-redundancy', cut: new Set(part.points.filter((p) => p.kind === 'multi-consumer').map((p) => p.key)) },
    { name: 'unfused', cut: new Set([...edges.values()].flat()) },
  ];
}

/**
 * The guard: the cheapest of the search's plan, the baselines, and for each producer the plan
 * `materialize: [id]` would give, i.e. the search re-solved with all its fusable edges cut (its
 * other points free). The exact search covers most of these structurally; the guard makes it a
 * guarantee where the search space does not (a pin cuts non-point edges, and materializing a
 * single-use value can let it join a sibling operator that computes its operands anyway) or the
 * search was heuristic (then, without a solver, the pin is added to the search's plan).
 * `winner` is null when the search's plan stands. `near`: pinned plans within two launches of
 * the best, which merging across partitions (invisible to a partition's objective) may still
 * make cheaper; the planner checks those on the whole plan.
 */
export function guard(
  cost: (cut: ReadonlySet<string>) => number,
  memo: Memo,
  part: Partition,
  searched: ReadonlySet<string>,
  searchedMs: number,
  launchMs: number,
  solver: PinSolver | null,
): { cut: ReadonlySet<string>; ms: number; winner: string | null; near: Contender[] } {
  let best = { cut: searched, ms: searchedMs, winner: null as string | null };
  const better = (ms: number): boolean => ms < best.ms - 1e-9 * Math.max(1, best.ms);
  for (const c of baselines(memo, part)) {
    const ms = cost(c.cut);
    if (better(ms)) best = { cut: c.cut, ms, winner: c.name };
  }
  const pins: { c: Contender; ms: number }[] = [];
  for (const [producer, es] of fusableEdges(memo, part)) {
    // All its edges already cut: the plan is in the pinned space and optimal over a larger one.
    if (es.every((k) => searched.has(k))) continue;
    const name = `materialize %${producer}`;
    // The pin added to the search's plan, and re-solved: even where every edge of the pin is a
    // point (so the search priced the pinned space), the best pinned plan is what the whole-plan
    // guard needs, since merging across partitions may make it win.
    const added = new Set([...searched, ...es]);
    const addedMs = cost(added);
    if (solver === null) {
      pins.push({ c: { name, cut: added }, ms: addedMs });
      continue;
    }
    const solved = solver(new Set(es), Math.min(addedMs, best.ms + 2 * launchMs));
    pins.push(solved === null || solved.ms >= addedMs ? { c: { name, cut: added }, ms: addedMs } : { c: { name, cut: solved.cut }, ms: solved.ms });
  }
  for (const p of pins) if (better(p.ms)) best = { cut: p.c.cut, ms: p.ms, winner: p.c.name };
  const near = pins
    .filter((x) => x.ms - best.ms < 2 * launchMs && x.ms > best.ms)
    .sort((a, b) => a.ms - b.ms)
    .map((x) => x.c);
  return { ...best, near };
}
