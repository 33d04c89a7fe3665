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
 * The baselines restricted to one partition (fuse-all: no cuts; fuse-no-redundancy: every
 * multi-consumer point cut; unfused: every fusable edge cut, so each node is its own operator on
 * its cheaper kernel) and, for each producer, the search's plan with that producer pinned as
 * materialized (all its fusable edges cut), which is what `materialize: [id]` asks for.
 * The exact search covers most of these structurally; the guard makes it a guarantee where the
 * search space does not (non-point edges) or the search was heuristic.
 */
export function contenders(memo: Memo, part: Partition, searched: ReadonlySet<string>): Contender[] {
  const edges = fusableEdges(memo, part);
  const out: Contender[] = [
    { name: 'fuse-all', cut: new Set() },
    { name: 'fuse-no-redundancy', cut: new Set(part.points.filter((p) => p.kind === 'multi-consumer').map((p) => p.key)) },
    { name: 'unfused', cut: new Set([...edges.values()].flat()) },
  ];
  for (const [c, es] of edges) {
    if (es.every((k) => searched.has(k))) continue;
    out.push({ name: `materialize %${c}`, cut: new Set([...searched, ...es]) });
  }
  return out;
}

/**
 * The guard: the cheapest of the search's plan and its contenders (strictly cheaper by more than
 * rounding). `winner` is null when the search's plan stands.
 */
export function guard(
  cost: (cut: ReadonlySet<string>) => number,
  memo: Memo,
  part: Partition,
  searched: ReadonlySet<string>,
  searchedMs: number,
  launchMs: number,
): { cut: ReadonlySet<string>; ms: number; winner: string | null; near: Contender[] } {
  let best = { cut: searched, ms: searchedMs, winner: null as string | null };
  const priced: { c: Contender; ms: number }[] = [];
  for (const c of contenders(memo, part, searched)) {
    const ms = cost(c.cut);
    priced.push({ c, ms });
    if (ms < best.ms - 1e-9 * Math.max(1, best.ms)) best = { cut: c.cut, ms, winner: c.name };
  }
  // Pins within two launches of the best: merging across partitions (which the partition's own
  // objective cannot see) may still make them cheaper; the planner checks those on the whole plan.
  const near = priced
    .filter((x) => x.c.name.startsWith('materialize') && x.ms - best.ms < 2 * launchMs && x.ms > best.ms)
    .sort((a, b) => a.ms - b.ms)
    .map((x) => ({ name: x.c.name, cut: new Set([...best.cut, ...x.c.cut]) }));
  return { ...best, near };
}
