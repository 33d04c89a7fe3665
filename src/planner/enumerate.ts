import type { NodeId } from '../ir/node.js';
import { matmulFlops, nodeWeight } from '../cost/op-cost.js';
import { isScalarConst, type PlanContext } from './context.js';
import type { Builder } from './build.js';
import { OpCostCache, partitionPlan } from './objective.js';
import { nodeMergeSignatures } from './magg.js';
import type { Memo } from './memo.js';
import type { InterestingPoint, Partition } from './partition.js';

/** Above this many interesting points a partition is solved heuristically (and reported so). */
const EXHAUSTIVE_LIMIT = 20;
/**
 * Plans costed per partition before the exact walk gives up: a weak lower bound can leave a
 * 20-point partition at 2^20 costings (tens of seconds). Past the budget the best plan so far is
 * polished by local search and the result is reported as not exhaustive.
 */
/** Tie-break weight on bytes moved (1e-12 ms per byte: 1 MB adds a nanosecond). */
const TIE_MS_PER_BYTE = 1e-12;
export const DEFAULT_SEARCH_BUDGET = 16384;

export interface SearchResult {
  /** The chosen cuts among the partition's points. */
  readonly cut: ReadonlySet<string>;
  readonly ms: number;
  readonly evaluated: number;
  readonly pruned: number;
  readonly exhaustive: boolean;
}

/**
 * Exact selection for one partition (SystemML's MPSkipEnum, our code): assignments of the
 * interesting points are walked as integers, first point most significant. Opening plans
 * (all-fused, all-cut) give the first bound; a lower bound that only grows with more cuts skips
 * every assignment that merely adds cuts after the last set bit; and when cutting all edges of one
 * producer splits the remaining points into independent groups, that sub-space is solved group by
 * group instead of jointly (structural pruning).
 */
export class PartitionSearch {
  evaluated = 0;
  pruned = 0;
  private readonly staticBytes: number;
  private readonly computeMs: number;
  private readonly minLaunches: number;
  /** Whether two operators could merge (multi-aggregate or siblings): then groups are not independent. */
  private readonly maggCandidates: boolean;
  /** Per producer in the partition: the edges (keys) of the consumers that can fuse it. */
  private readonly fusableEdges = new Map<NodeId, string[]>();

  constructor(
    private readonly ctx: PlanContext,
    private readonly memo: Memo,
    private readonly builder: Builder,
    private readonly part: Partition,
    readonly cache: OpCostCache = new OpCostCache(ctx),
  ) {
    const size = (id: NodeId): number => ctx.sizes[id]! * 4;
    let bytes = 0;
    for (const i of part.inputs) if (!isScalarConst(ctx.node(i))) bytes += size(i);
    for (const r of part.roots) bytes += size(r);
    this.staticBytes = bytes;
    let flops = 0;
    let mmMs = 0;
    let products = 0;
    for (const id of part.nodes) {
      const n = ctx.node(id);
      if (n.op === 'matmul') {
        // Each product runs in exactly one operator (no template recomputes a matmul), on the
        // unfused kernel or the fused one: at least the cheaper of the two.
        const time = (m: { flops: number; rate: number }): number => m.flops / m.rate;
        mmMs += Math.min(time(matmulFlops(ctx, n, true, ctx.profile)), time(matmulFlops(ctx, n, false, ctx.profile)));
        products++;
      } else if (n.op === 'reduce') flops += nodeWeight(n) * ctx.sizes[n.inputs[0]!]!;
      else flops += nodeWeight(n) * ctx.sizes[id]!;
    }
    this.computeMs = flops / ctx.profile.flopsPerMs + mmMs;
    // One operator holds at most one product: at least that many launches.
    this.minLaunches = Math.max(1, products);
    // Operators the objective may merge (objective.ts: reductions over one space, sibling row
    // programs over one row space, elementwise cells over one space) couple otherwise independent
    // groups; a signature seen twice means such a pair may exist.
    const sigs = new Set<string>();
    let dup = false;
    const see = (sig: string): void => {
      if (sigs.has(sig)) dup = true;
      sigs.add(sig);
    };
    for (const id of part.nodes) for (const sig of nodeMergeSignatures(ctx, ctx.node(id))) see(sig);
    this.maggCandidates = dup;
    for (const h of part.nodes) {
      const refs = new Set((memo.entries.get(h) ?? []).flatMap((e) => e.refs));
      for (const c of refs) if (part.nodes.has(c)) this.fusableEdges.set(c, [...(this.fusableEdges.get(c) ?? []), `${h}<-${c}`]);
    }
  }

  /**
   * Cost of the partition under a set of cuts (points cut plus the fixed cuts): the operators
   * built, after multi-aggregate merging, exactly as the final plan will run them (so a CSE that
   * two full aggregates can share inside one MAgg operator is priced as shared).
   */
  cost(cut: ReadonlySet<string>): number {
    return this.evaluate(cut).ms;
  }

  /**
   * What the search compares: the cost plus a tie-break on bytes moved. Ties are common when
   * operators are compute-bound (an extra write is free in the model), and on a device compute
   * and memory overlap imperfectly, so the plan moving fewer bytes should win them.
   */
  private score(cut: ReadonlySet<string>): number {
    const { ms, bytes } = this.evaluate(cut);
    return ms + TIE_MS_PER_BYTE * bytes;
  }

  /** `count`: whether this costing is part of the search (reports re-cost the chosen plan). */
  private evaluate(cut: ReadonlySet<string>, count = true): { ms: number; bytes: number } {
    if (count) this.evaluated++;
    const cuts = new Set([...this.part.fixedCuts, ...cut]);
    const { ms, bytes } = partitionPlan(this.ctx, this.builder, this.cache, cuts, this.part.roots, this.part.nodes);
    return { ms, bytes };
  }

  /**
   * A lower bound for every plan that cuts at least `cut`: each cut producer is written once (roots
   * are written anyway), and read at least once when every edge that could fuse it is cut (then no
   * operator but its own computes it, and its consumers' operators read it).
   */
  lowerBound(cutKeys: Iterable<string>): number {
    const keys = new Set(cutKeys);
    const targets = new Set([...keys].map((k) => Number(k.slice(k.indexOf('<-') + 2))));
    let bytes = this.staticBytes;
    for (const t of targets) {
      if (!this.part.roots.includes(t)) bytes += this.ctx.sizes[t]! * 4;
      if ((this.fusableEdges.get(t) ?? []).every((k) => keys.has(k))) bytes += this.ctx.sizes[t]! * 4;
    }
    const p = this.ctx.profile;
    return this.minLaunches * p.launchMs + Math.max(bytes / p.bytesPerMs, this.computeMs) + TIE_MS_PER_BYTE * bytes;
  }

  /** Set when the evaluation budget ran out: the result is then not proven optimal. */
  private truncated = false;
  budget = DEFAULT_SEARCH_BUDGET;

  solve(points: readonly InterestingPoint[] = this.part.points, fixed: ReadonlySet<string> = new Set()): SearchResult {
    let r = this.solveExact(points, fixed);
    if (this.truncated && points.length <= EXHAUSTIVE_LIMIT) {
      const polished = this.heuristic(points, fixed, r.cut);
      r = polished.ms < r.ms ? polished : { ...r, exhaustive: false };
    }
    // Scores carry the bytes tie-break; report the plain estimate.
    return { ...r, ms: this.evaluate(new Set([...fixed, ...r.cut]), false).ms, evaluated: this.evaluated };
  }

  /**
   * The best plan with every edge in `pinned` cut (a producer pinned as materialized, as
   * `materialize: [id]` asks) among those scoring below `bound`, searched exactly over the
   * remaining points within `budget` costings; null when none scores below the bound (or the
   * partition is above the exhaustive limit). Its costings count towards this search's.
   */
  solvePinned(pinned: ReadonlySet<string>, bound: number, budget: number): { cut: ReadonlySet<string>; ms: number; exhaustive: boolean } | null {
    const points = this.part.points.filter((p) => !pinned.has(p.key));
    if (points.length > EXHAUSTIVE_LIMIT) return null;
    const sub = new PartitionSearch(this.ctx, this.memo, this.builder, this.part, this.cache);
    sub.budget = budget;
    const r = sub.solveExact(points, pinned, bound);
    this.evaluated += sub.evaluated;
    this.pruned += sub.pruned;
    if (!Number.isFinite(r.ms)) return null;
    const cut = new Set([...pinned, ...r.cut]);
    return { cut, ms: this.evaluate(cut, false).ms, exhaustive: r.exhaustive };
  }

  /** `bound`: only plans scoring below it are of interest (ms is Infinity when none is). */
  private solveExact(points: readonly InterestingPoint[], fixed: ReadonlySet<string>, bound = Infinity): SearchResult {
    if (points.length === 0) {
      const ms = this.score(fixed);
      return { cut: new Set(), ms: ms < bound ? ms : Infinity, evaluated: this.evaluated, pruned: this.pruned, exhaustive: true };
    }
    if (points.length > EXHAUSTIVE_LIMIT) return this.heuristic(points, fixed);
    // Merging can join operators of otherwise independent groups, so their costs would not add
    // up: structural pruning is only exact without merge candidates.
    const split = this.maggCandidates ? null : this.findCutSet(points, fixed);
    const ordered = split ? [...split.cutSet, ...split.groups.flat()] : orderBySize(this.ctx, points);
    const m = ordered.length;
    const withFixed = (bits: readonly InterestingPoint[]): Set<string> => new Set([...fixed, ...bits.map((p) => p.key)]);
    const assignment = (i: number): InterestingPoint[] => ordered.filter((_, j) => (i >> (m - 1 - j)) & 1);
    // Opening plans: all fused, all cut.
    let bestBits: InterestingPoint[] | null = null;
    let best = bound;
    const none = this.score(withFixed([]));
    if (none < best) (best = none), (bestBits = []);
    const allCut = this.score(withFixed(ordered));
    if (allCut < best) (best = allCut), (bestBits = ordered.slice());
    // With a cut set first, the all-true block [end, 2^m) is solved structurally below.
    const end = split ? ((1 << split.cutSet.length) - 1) << (m - split.cutSet.length) : 1 << m;
    for (let i = 1; i < end; ) {
      if (this.evaluated >= this.budget) {
        this.truncated = true;
        break;
      }
      const q = assignment(i);
      const last = lastSetBit(i, m);
      if (this.lowerBound([...fixed, ...q.map((p) => p.key)]) >= best) {
        const skip = 1 << (m - 1 - last);
        const allCutInside = i + skip > (1 << m) - 1 && end === 1 << m ? 1 : 0;
        this.pruned += Math.min(skip, end - i) - allCutInside;
        i += skip;
        continue;
      }
      if (i !== (1 << m) - 1) {
        const c = this.score(withFixed(q));
        if (c < best) (best = c), (bestBits = q);
      }
      i++;
    }
    if (split) {
      // Cut set all cut: the groups are independent. Solve each with the others held at no cut,
      // then combine; each sub-search starts from its own opening plans, never the outer bound.
      const base = new Set([...fixed, ...split.cutSet.map((p) => p.key)]);
      const chosen: InterestingPoint[] = [...split.cutSet];
      for (const g of split.groups) {
        const r = this.solveExact(g, base);
        for (const p of g) if (r.cut.has(p.key)) chosen.push(p);
      }
      const c = this.score(withFixed(chosen));
      if (c < best) (best = c), (bestBits = chosen);
      const skipped = (1 << m) - end;
      const structural = split.groups.reduce((s, g) => s + (1 << g.length), 0);
      this.pruned += Math.max(0, skipped - structural);
    }
    const cut = new Set((bestBits ?? []).map((p) => p.key));
    return { cut, ms: bestBits === null ? Infinity : best, evaluated: this.evaluated, pruned: this.pruned, exhaustive: !this.truncated };
  }

  /**
   * Above the limit: the opening plans, then local search while a move improves: flip one point,
   * or materialize / fuse a producer at once (all its points cut or all fused, as a pin would).
   */
  private heuristic(points: readonly InterestingPoint[], fixed: ReadonlySet<string>, start?: ReadonlySet<string>): SearchResult {
    const cost = (s: ReadonlySet<string>): number => this.score(new Set([...fixed, ...s]));
    let cur = new Set<string>(start ?? []);
    let best = cost(cur);
    const all = new Set(points.map((p) => p.key));
    const allCost = cost(all);
    if (allCost < best) (best = allCost), (cur = all);
    const groups = new Map<NodeId, string[]>();
    for (const p of points) groups.set(p.producer, [...(groups.get(p.producer) ?? []), p.key]);
    const moves: ((s: Set<string>) => void)[] = [];
    for (const p of orderBySize(this.ctx, points)) moves.push((s) => void (s.has(p.key) ? s.delete(p.key) : s.add(p.key)));
    for (const keys of groups.values()) {
      if (keys.length < 2) continue;
      moves.push((s) => keys.forEach((k) => s.add(k)));
      moves.push((s) => keys.forEach((k) => s.delete(k)));
    }
    let improved = true;
    while (improved) {
      improved = false;
      for (const move of moves) {
        const next = new Set(cur);
        move(next);
        if (next.size === cur.size && [...next].every((k) => cur.has(k))) continue;
        const c = cost(next);
        if (c < best - 1e-12) (best = c), (cur = next), (improved = true);
      }
    }
    return { cut: cur, ms: best, evaluated: this.evaluated, pruned: this.pruned, exhaustive: false };
  }

  /**
   * A producer all of whose points, when cut, leave the other points in two or more groups that
   * share no memo reference: the most balanced such split.
   */
  private findCutSet(points: readonly InterestingPoint[], fixed: ReadonlySet<string>): { cutSet: InterestingPoint[]; groups: InterestingPoint[][] } | null {
    if (points.length < 3) return null;
    const producers = [...new Set(points.map((p) => p.producer))];
    let best: { cutSet: InterestingPoint[]; groups: InterestingPoint[][] } | null = null;
    for (const c of producers) {
      const cutSet = points.filter((p) => p.producer === c);
      const rest = points.filter((p) => p.producer !== c);
      if (rest.length < 2) continue;
      const removed = new Set([...fixed, ...cutSet.map((p) => p.key)]);
      const comp = this.components(removed);
      const groups = new Map<NodeId, InterestingPoint[]>();
      for (const p of rest) {
        const k = comp.get(p.consumer) ?? p.consumer;
        groups.set(k, [...(groups.get(k) ?? []), p]);
      }
      if (groups.size < 2) continue;
      const gs = [...groups.values()];
      const worst = Math.max(...gs.map((g) => g.length));
      if (best === null || worst < Math.max(...best.groups.map((g) => g.length))) best = { cutSet, groups: gs };
    }
    return best;
  }

  /** Components of the partition's reference graph without the `removed` edges. */
  private components(removed: ReadonlySet<string>): Map<NodeId, NodeId> {
    const parent = new Map<NodeId, NodeId>();
    const find = (x: NodeId): NodeId => {
      while (parent.get(x) !== x) x = parent.get(x)!;
      return x;
    };
    for (const n of this.part.nodes) parent.set(n, n);
    for (const h of this.part.nodes) {
      const seen = new Set<NodeId>();
      for (const e of this.memo.entries.get(h) ?? []) {
        for (const r of e.refs) {
          if (seen.has(r) || removed.has(`${h}<-${r}`) || !this.part.nodes.has(r)) continue;
          seen.add(r);
          parent.set(find(h), find(r));
        }
      }
    }
    const out = new Map<NodeId, NodeId>();
    for (const n of this.part.nodes) out.set(n, find(n));
    return out;
  }
}

function lastSetBit(i: number, m: number): number {
  // Position (0 = most significant of m bits) of the lowest set bit.
  let p = m - 1;
  while (p >= 0 && !((i >> (m - 1 - p)) & 1)) p--;
  return p;
}

/** Largest producers first, so pruning skips the largest sub-spaces. */
function orderBySize(ctx: PlanContext, points: readonly InterestingPoint[]): InterestingPoint[] {
  return [...points].sort((a, b) => ctx.sizes[b.producer]! - ctx.sizes[a.producer]! || a.key.localeCompare(b.key));
}
