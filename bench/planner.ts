/**
 * Planning time of the cost-based planner on generated DAGs of about 10, 100, 1000 and 5000 nodes
 * in four families: chains, diamonds, wide CSE-heavy graphs and transformer-like stacks. For each
 * it prints the node count, partitions, interesting points (total and in the largest partition),
 * plans costed / pruned, whether every partition was searched exhaustively, and the median
 * planning time of 5 runs, with the plan's estimate. Target (planner issue #11): 1000 nodes in
 * < 50 ms, exhaustive (not reached; see docs/performance.md, "Planning time").
 *
 *   npx tsx bench/planner.ts [--json out.json] [--sizes 10,100,1000,5000] [--families chain,diamond,wide,transformer] [--runs 5] [--max-ms 10000]
 *
 * A configuration whose first run takes longer than --max-ms is not repeated, and the family's
 * larger sizes are skipped (the heuristic search on huge partitions grows quadratically).
 * No GPU needed: planning is pure.
 */
import { seededRandom } from '../src/api/random-inputs.js';
import { writeFileSync } from 'node:fs';
import { f32, gelu, layerNorm, model, softmax, type Model, type Shape, type Tensor } from '../src/dsl/index.js';
import { liveNodes } from '../src/ir/model.js';
import { DEFAULT_PROFILE } from '../src/cost/profile.js';
import { makeContext } from '../src/planner/context.js';
import { explore } from '../src/planner/memo.js';
import { findPartitions } from '../src/planner/partition.js';
import { planModel } from '../src/planner/planner.js';
import { WEBGPU_DEFAULT_LIMITS } from '../src/ir/limits.js';

type T = Tensor<Shape>;
type AnyModel = Model<Record<string, Shape>, Record<string, Shape>>;

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (arg('sizes') ?? '10,100,1000,5000').split(',').map(Number);
const FAMILIES = (arg('families') ?? 'chain,diamond,wide,transformer').split(',');
const RUNS = Number(arg('runs') ?? 5);
const JSON_OUT = arg('json');
const MAX_MS = Number(arg('max-ms') ?? 10000);

// A deterministic PRNG, so every run plans the same graphs.
const prng = seededRandom;

const N = 1024;
const M = 256;
const live = (m: AnyModel): number => liveNodes(m.ir).length;

/**
 * Chains: x -> elementwise steps, a row normalization every 6 steps, a transpose every 24 (which
 * splits partitions, as a transpose reads memory). Few interesting points.
 */
function chain(target: number): AnyModel {
  return model(`chain${target}`, { X: f32([N, M]) }, ({ X }) => {
    let x: T = X;
    let n = 1;
    for (let i = 0; n < target; i++) {
      if (i % 24 === 23) (x = x.transpose().transpose()), (n += 2);
      else if (i % 6 === 5) (x = x.div(x.sum(-1, { keepDims: true }).add(1))), (n += 4);
      else (x = i % 3 === 0 ? x.mul(1.01).add(0.5) : i % 3 === 1 ? x.tanh() : x.abs().add(1).log()), (n += i % 3 === 1 ? 1 : 3);
    }
    return { y: x };
  });
}

/**
 * Diamonds: a = f(x); x' = g(a) + h(a), so every block's `a` has two consumers (two interesting
 * points); a transpose pair every 4 blocks bounds a partition's points at about 8.
 */
function diamond(target: number): AnyModel {
  return model(`diamond${target}`, { X: f32([N, M]) }, ({ X }) => {
    let x: T = X;
    let n = 1;
    for (let i = 0; n < target; i++) {
      const a = x.mul(0.9).add(0.1);
      x = a.exp().add(a.tanh());
      n += 6;
      if (i % 4 === 3) (x = x.transpose().transpose()), (n += 2);
    }
    return { y: x };
  });
}

/**
 * Wide CSE-heavy graphs: layers of `width` nodes, each combining two random nodes of the layer
 * below (elementwise, or against a row reduction of one), so intermediates have several consumers
 * of several kinds. Every 3 layers, the layer is summed into a transpose barrier. The worst case
 * for the search: large partitions with many points.
 */
function wide(target: number): AnyModel {
  const rand = prng(target);
  return model(`wide${target}`, { X: f32([N, M]), Y: f32([N, M]) }, ({ X, Y }) => {
    const width = 6;
    let layer: T[] = [X, Y];
    let n = 2;
    const outs: Record<string, T> = {};
    for (let l = 0; n < target; l++) {
      const next: T[] = [];
      for (let j = 0; j < width; j++) {
        const a = layer[Math.floor(rand() * layer.length)]!;
        const b = layer[Math.floor(rand() * layer.length)]!;
        const k = Math.floor(rand() * 4);
        next.push(k === 0 ? a.mul(b) : k === 1 ? a.add(b).exp() : k === 2 ? a.sub(b.max(-1, { keepDims: true })) : a.div(b.sum(-1, { keepDims: true }).add(1)));
        n += k === 0 ? 1 : 2 + (k === 3 ? 1 : 0);
      }
      layer = next;
      if (l % 3 === 2) {
        let acc = layer[0]!;
        for (const t of layer.slice(1)) acc = acc.add(t);
        outs[`s${l}`] = acc.sum();
        layer = [acc.transpose().transpose(), ...layer.slice(0, 2)];
        n += width + 3;
      }
    }
    let acc = layer[0]!;
    for (const t of layer.slice(1)) acc = acc.add(t);
    return { ...outs, y: acc };
  });
}

/**
 * Transformer-like stacks: per layer, pre-norm attention (layerNorm, q/k/v projections, softmax of
 * q k^T / sqrt(d), times v, output projection, residual) and a pre-norm GELU MLP with a residual.
 */
function transformer(target: number): AnyModel {
  const Tn = 128;
  const D = 64;
  const layers = Math.max(1, Math.round(target / 66));
  const specs: Record<string, ReturnType<typeof f32>> = { X: f32([Tn, D]) };
  for (let l = 0; l < layers; l++) {
    for (const w of ['q', 'k', 'v', 'o']) specs[`W${w}${l}`] = f32([D, D]);
    specs[`W1_${l}`] = f32([D, 4 * D]);
    specs[`W2_${l}`] = f32([4 * D, D]);
    for (const p of ['g1', 'b1', 'g2', 'b2']) specs[`${p}_${l}`] = f32([D]);
  }
  if (target <= 20) {
    // ~10 nodes: one normalized projection with a softmax.
    return model(`transformer${target}`, { X: f32([Tn, D]), W: f32([D, D]) }, ({ X, W }) => ({ y: softmax((X as T).matmul(W as T)) }));
  }
  return model(`transformer${target}`, specs, (inp) => {
    const w = inp as unknown as Record<string, T>;
    let x = w.X!;
    for (let l = 0; l < layers; l++) {
      const h = layerNorm(x as Tensor<readonly [number, 64]>, w[`g1_${l}`], w[`b1_${l}`]) as T;
      const q = h.matmul(w[`Wq${l}`]!);
      const k = h.matmul(w[`Wk${l}`]!);
      const v = h.matmul(w[`Wv${l}`]!);
      const s = softmax(q.matmul(k.transpose()).mul(1 / Math.sqrt(D)));
      x = x.add(s.matmul(v).matmul(w[`Wo${l}`]!));
      const h2 = layerNorm(x as Tensor<readonly [number, 64]>, w[`g2_${l}`], w[`b2_${l}`]) as T;
      x = x.add(gelu(h2.matmul(w[`W1_${l}`]!)).matmul(w[`W2_${l}`]!));
    }
    return { y: x };
  });
}

const FAMILY: Record<string, (n: number) => AnyModel> = { chain, diamond, wide, transformer };

interface Row {
  family: string;
  target: number;
  nodes: number;
  partitions: number;
  points: number;
  maxPartitionPoints: number;
  plansEvaluated: number;
  plansPruned: number;
  exhaustive: boolean;
  ops: number;
  /** The plan's estimate (ms), to compare plan quality across planner versions. */
  estimatedMs: number;
  runs: number;
  medianMs: number;
  minMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const rows: Row[] = [];
console.log('family       target  nodes  parts  points  max/part  evaluated    pruned  exhaustive  ops   est. ms   median ms     min ms  runs');
for (const family of FAMILIES) {
  let skip = false;
  for (const target of SIZES) {
    if (skip) {
      console.log(`${family.padEnd(12)} ${String(target).padStart(6)}  skipped: a smaller size took over ${MAX_MS} ms`);
      continue;
    }
    const m = FAMILY[family]!(target);
    const ctx = makeContext(m.ir, {}, WEBGPU_DEFAULT_LIMITS, DEFAULT_PROFILE, m.ir.graph.pins);
    const parts = findPartitions(ctx, explore(ctx));
    const times: number[] = [];
    let plan = planModel(m.ir, {}, { strategy: 'cost' });
    times.push(plan.planningMs);
    if (plan.planningMs > MAX_MS) skip = true;
    for (let r = 1; r < RUNS && !skip; r++) {
      plan = planModel(m.ir, {}, { strategy: 'cost' });
      times.push(plan.planningMs);
    }
    const row: Row = {
      family,
      target,
      nodes: live(m),
      partitions: plan.search.partitions,
      points: plan.search.interestingPoints,
      maxPartitionPoints: Math.max(0, ...parts.map((p) => p.points.length)),
      plansEvaluated: plan.search.plansEvaluated,
      plansPruned: plan.search.plansPruned,
      exhaustive: plan.search.exhaustive,
      ops: plan.ops.length,
      estimatedMs: plan.estimatedMs,
      runs: times.length,
      medianMs: median(times),
      minMs: Math.min(...times),
    };
    rows.push(row);
    console.log(
      `${family.padEnd(12)} ${String(target).padStart(6)} ${String(row.nodes).padStart(6)} ${String(row.partitions).padStart(6)} ${String(row.points).padStart(7)} ${String(row.maxPartitionPoints).padStart(9)} ${String(row.plansEvaluated).padStart(10)} ${String(row.plansPruned).padStart(9)} ${String(row.exhaustive).padStart(11)} ${String(row.ops).padStart(4)} ${row.estimatedMs.toFixed(3).padStart(9)} ${row.medianMs.toFixed(2).padStart(11)} ${row.minMs.toFixed(2).padStart(10)} ${String(row.runs).padStart(5)}`,
    );
  }
}
if (JSON_OUT) {
  writeFileSync(JSON_OUT, JSON.stringify({ runs: RUNS, maxMs: MAX_MS, profile: DEFAULT_PROFILE.source, node: process.version, rows }, null, 2));
  console.log(`wrote ${JSON_OUT}`);
}
