import fc from 'fast-check';
import { seededRandom } from '../../src/api/random-inputs.js';
import { Graph } from '../../src/ir/graph.js';
import { symbolsOf, type Dims, type ModelIR } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import type { Dim } from '../../src/ir/shape.js';

/**
 * Random well-formed model DAGs for equivalence properties. A recipe (plain data, so fast-check can
 * shrink and print it) is interpreted into a graph. Values are kept O(1): exp sees min(x, 3), sums
 * and matmuls are scaled by 1/n, log/sqrt/div get positive arguments; discontinuous ops (floor,
 * comparisons) only see inputs, whose f32 values are exact. Otherwise an f32 rounding could flip a
 * comparison and the mismatch would be the test's fault, not the kernel's.
 */
export type Step =
  | { kind: 'unary'; fn: 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'relu' | 'sin' | 'cos'; a: number }
  | { kind: 'binary'; fn: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'; a: number; b: number }
  | { kind: 'pow'; a: number; e: 2 | 3 | 0.5 }
  | { kind: 'scalar'; fn: 'add' | 'mul'; a: number; c: number }
  | { kind: 'compare'; fn: 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'; a: number; b: number }
  | { kind: 'floor'; a: number }
  | { kind: 'where'; a: number; b: number; c: number }
  | { kind: 'reduce'; fn: 'sum' | 'max' | 'min'; a: number; axesMask: number; keepDims: boolean }
  | { kind: 'matmul'; a: number; n: number; batched: boolean }
  | { kind: 'transpose'; a: number; rot: number }
  | { kind: 'reshape'; a: number }
  | { kind: 'broadcast'; a: number; lead: number }
  | { kind: 'rowprog'; a: number; variant: 0 | 1 | 2 }
  | { kind: 'aggpair'; a: number; b: number; axesMask: number };

export interface Recipe {
  readonly base: readonly number[];
  /** Per input: which base dims become 1 (bit i = dim i), and how many leading dims are dropped. */
  readonly inputs: readonly { ones: number; drop: number }[];
  readonly symbolicFirst: boolean;
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
  readonly seed: number;
}

export interface Built {
  readonly model: ModelIR;
  readonly dims: Dims;
  readonly inputs: Record<string, Float32Array>;
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 33, 64, 65, 130, 257];

export const recipeArb = (opts: { maxSteps?: number } = {}): fc.Arbitrary<Recipe> =>
  fc.record({
    base: fc.array(fc.constantFrom(...SIZES), { minLength: 1, maxLength: 3 }),
    inputs: fc.array(fc.record({ ones: fc.nat(7), drop: fc.nat(2) }), { minLength: 1, maxLength: 3 }),
    symbolicFirst: fc.boolean(),
    steps: fc.array(stepArb, { minLength: 3, maxLength: opts.maxSteps ?? 12 }),
    outputs: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
    seed: fc.integer(),
  });

const pick = fc.nat(1000);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), fn: fc.constantFrom('neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'relu', 'sin', 'cos'), a: pick }),
  fc.record({ kind: fc.constant('binary' as const), fn: fc.constantFrom('add', 'sub', 'mul', 'div', 'max', 'min'), a: pick, b: pick }),
  fc.record({ kind: fc.constant('pow' as const), a: pick, e: fc.constantFrom(2 as const, 3 as const, 0.5 as const) }),
  fc.record({ kind: fc.constant('scalar' as const), fn: fc.constantFrom('add', 'mul'), a: pick, c: fc.constantFrom(-1.5, 0.5, 2, 3) }),
  fc.record({ kind: fc.constant('compare' as const), fn: fc.constantFrom('lt', 'le', 'gt', 'ge', 'eq', 'ne'), a: pick, b: pick }),
  fc.record({ kind: fc.constant('floor' as const), a: pick }),
  fc.record({ kind: fc.constant('where' as const), a: pick, b: pick, c: pick }),
  fc.record({ kind: fc.constant('reduce' as const), fn: fc.constantFrom('sum', 'max', 'min'), a: pick, axesMask: fc.nat(7), keepDims: fc.boolean() }),
  fc.record({ kind: fc.constant('matmul' as const), a: pick, n: fc.constantFrom(1, 3, 16, 17), batched: fc.boolean() }),
  fc.record({ kind: fc.constant('transpose' as const), a: pick, rot: fc.nat(2) }),
  fc.record({ kind: fc.constant('reshape' as const), a: pick }),
  fc.record({ kind: fc.constant('broadcast' as const), a: pick, lead: fc.constantFrom(1, 2, 3) }),
  // Row programs (softmax, centering, rms scaling) and pairs of reductions over one space, so the
  // row and multi-aggregate templates show up as often as cell ones.
  fc.record({ kind: fc.constant('rowprog' as const), a: pick, variant: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  fc.record({ kind: fc.constant('aggpair' as const), a: pick, b: pick, axesMask: fc.nat(7) }),
);

/** Inputs follow from the recipe's seed (the same seeded PRNG the CLI uses). */
export const prng = seededRandom;

export function buildRecipe(r: Recipe, name = 'random'): Built {
  const g = new Graph();
  const rand = prng(r.seed);
  const dims: Record<string, number> = {};
  const sym = (d: number, i: number): Dim => (i === 0 && r.symbolicFirst ? 'B' : d);
  if (r.symbolicFirst) dims.B = r.base[0]!;
  const inputNodes: NodeId[] = [];
  const inputs: Record<string, Float32Array> = {};
  const concrete = (id: NodeId): number[] => g.node(id).shape.map((d) => (typeof d === 'number' ? d : dims[d]!));
  r.inputs.forEach((spec, k) => {
    const drop = Math.min(spec.drop, r.base.length - 1);
    const shape = r.base.map((d, i) => ((spec.ones >> i) & 1 ? 1 : sym(d, i))).slice(drop);
    const id = g.input(`in${k}`, shape);
    inputNodes.push(id);
    const n = concrete(id).reduce((a, b) => a * b, 1);
    // Quarter steps: exact in f32, and ties exist, so eq/ne/floor see equal values sometimes.
    inputs[`in${k}`] = Float32Array.from({ length: n }, () => Math.round((rand() * 4 - 2) * 4) / 4);
  });
  const nodes: NodeId[] = [...inputNodes];
  // Mostly recent nodes, so steps chain into deep DAGs; sometimes any node, so CSEs and fan-out appear.
  const at = (i: number): NodeId => (i % 3 === 0 ? nodes[i % nodes.length]! : nodes[nodes.length - 1 - (i % Math.min(4, nodes.length))]!);
  const atInput = (i: number): NodeId => inputNodes[i % inputNodes.length]!;
  const c = (v: number): NodeId => g.constant(v);
  const tryAdd = (f: () => NodeId): void => {
    try {
      nodes.push(f());
    } catch {
      // Steps whose operands do not fit (shapes that do not broadcast) are skipped: the recipe
      // stays valid under shrinking.
    }
  };
  for (const s of r.steps) {
    tryAdd((): NodeId => {
      switch (s.kind) {
        case 'unary': {
          const a = at(s.a);
          const arg = match1(s.fn, a, g, c);
          return g.unary(s.fn, arg);
        }
        case 'binary': {
          const a = at(s.a);
          const b = at(s.b);
          if (s.fn === 'div') return g.binary('div', a, g.binary('add', g.unary('abs', b), c(1)));
          return g.binary(s.fn, a, b);
        }
        case 'pow':
          return g.binary('pow', s.e === 0.5 ? g.unary('abs', at(s.a)) : at(s.a), c(s.e));
        case 'scalar':
          return g.binary(s.fn, at(s.a), c(s.c));
        case 'compare':
          return g.binary(s.fn, atInput(s.a), atInput(s.b));
        case 'floor':
          return g.unary('floor', g.binary('mul', atInput(s.a), c(1.5)));
        case 'where':
          return g.where(g.binary('gt', atInput(s.c), c(0)), at(s.a), at(s.b));
        case 'reduce': {
          const a = at(s.a);
          const shape = concrete(a);
          const axes = shape.map((_, i) => i).filter((i) => (s.axesMask >> i) & 1);
          if (axes.length === 0) axes.push(shape.length - 1);
          const red = g.reduce(s.fn, a, axes, s.keepDims);
          if (s.fn !== 'sum') return red;
          const n = axes.reduce((p, i) => p * shape[i]!, 1);
          return g.binary('mul', red, c(1 / n));
        }
        case 'matmul': {
          const a = at(s.a);
          const shape = g.node(a).shape;
          if (shape.length < 2) throw new Error('rank');
          const k = shape[shape.length - 1]!;
          const name = `w${nodes.length}`;
          const wShape: Dim[] = s.batched && shape.length === 3 ? [shape[0]!, k, s.n] : [k, s.n];
          const w = g.input(name, wShape);
          inputNodes.push(w);
          const n = concrete(w).reduce((p, q) => p * q, 1);
          inputs[name] = Float32Array.from({ length: n }, () => Math.round((rand() * 2 - 1) * 8) / 8);
          const kk = typeof k === 'number' ? k : dims[k]!;
          return g.binary('mul', g.matmul(a, w), c(1 / kk));
        }
        case 'transpose': {
          const a = at(s.a);
          const rank = g.node(a).shape.length;
          if (rank < 2) throw new Error('rank');
          const perm = Array.from({ length: rank }, (_, i) => (i + 1 + (s.rot % (rank - 1))) % rank);
          return g.transpose(a, perm);
        }
        case 'reshape': {
          const a = at(s.a);
          const shape = concrete(a);
          if (shape.length >= 2) return g.reshape(a, [...shape.slice(0, -2), shape[shape.length - 2]! * shape[shape.length - 1]!]);
          return g.reshape(a, [1, ...shape]);
        }
        case 'rowprog': {
          const x = at(s.a);
          const shape = concrete(x);
          if (shape.length < 2) throw new Error('rank');
          const last = shape.length - 1;
          const C = shape[last]!;
          if (s.variant === 0) {
            const e = g.unary('exp', g.binary('sub', x, g.reduce('max', x, [last], true)));
            return g.binary('div', e, g.reduce('sum', e, [last], true));
          }
          if (s.variant === 1) return g.binary('sub', x, g.binary('mul', g.reduce('sum', x, [last], true), c(1 / C)));
          const ms = g.binary('mul', g.reduce('sum', g.binary('mul', x, x), [last], true), c(1 / C));
          return g.binary('mul', x, g.unary('rsqrt', g.binary('add', ms, c(1))));
        }
        case 'aggpair': {
          const a = at(s.a);
          const b = at(s.b);
          const shape = concrete(a);
          const axes = shape.map((_, i) => i).filter((i) => (s.axesMask >> i) & 1);
          if (axes.length === 0) axes.push(0);
          const n = axes.reduce((p, i) => p * shape[i]!, 1);
          const r1 = g.reduce('sum', g.binary('mul', a, b), axes, true);
          const r2 = g.reduce('max', g.unary('abs', a), axes, true);
          return g.binary('add', g.binary('mul', r1, c(1 / n)), r2);
        }
        case 'broadcast': {
          const a = at(s.a);
          if (g.node(a).shape.length >= 4) throw new Error('rank');
          return g.broadcastTo(a, [s.lead, ...g.node(a).shape]);
        }
      }
    });
  }
  // The last node always, so the whole chain is live; extra outputs make multi-output plans.
  const outs = [...new Set([nodes[nodes.length - 1]!, ...r.outputs.slice(1).map((o) => nodes[o % nodes.length]!)])];
  const model: ModelIR = {
    name,
    graph: g,
    inputs: inputNodes.map((id) => ({ name: (g.node(id) as { name: string }).name, node: id })),
    outputs: outs.map((node, i) => ({ name: `out${i}`, node })),
  };
  // Bind only the symbols the graph kept (every 'B' may have become 1).
  const used = symbolsOf(model);
  return { model, dims: Object.fromEntries(Object.entries(dims).filter(([k]) => used.has(k))), inputs };
}

function match1(fn: string, a: NodeId, g: Graph, c: (v: number) => NodeId): NodeId {
  switch (fn) {
    case 'exp':
      return g.binary('min', a, c(3));
    case 'log':
    case 'rsqrt':
      return g.binary('add', g.unary('abs', a), c(0.5));
    case 'sqrt':
      return g.unary('abs', a);
    default:
      return a;
  }
}
