import fc from 'fast-check';
import { Graph } from '../../src/ir/graph.js';
import type { ModelIR } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';

/**
 * Random CSE-heavy model graphs for the planner's search properties: every step picks its operands
 * uniformly among all earlier nodes, so intermediates get several consumers of different kinds
 * (elementwise, row reductions, full and column aggregates, matmuls). Shapes stay within one
 * family ([R, C], row vectors [R, 1], column vectors [1, C], scalars) so almost every step fits and
 * the graphs mix cell, row, magg and matmul plans. Nothing here is evaluated: values do not matter.
 */
export type CseStep =
  | { kind: 'unary'; fn: 'exp' | 'log' | 'abs' | 'tanh' | 'neg' | 'sqrt'; a: number }
  | { kind: 'binary'; fn: 'add' | 'mul' | 'sub' | 'div' | 'max'; a: number; b: number }
  | { kind: 'scalar'; fn: 'add' | 'mul'; a: number }
  | { kind: 'rowReduce'; fn: 'sum' | 'max'; a: number }
  | { kind: 'colSum'; a: number }
  | { kind: 'fullSum'; a: number }
  | { kind: 'matmul'; a: number };

export interface CseRecipe {
  readonly rows: number;
  readonly cols: number;
  readonly steps: readonly CseStep[];
  readonly outputs: readonly number[];
  /** A node to pin as materialized (index into the built nodes), if any. */
  readonly pin: number | null;
}

const pick = fc.nat(10_000);
const stepArb: fc.Arbitrary<CseStep> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('unary' as const), fn: fc.constantFrom('exp', 'log', 'abs', 'tanh', 'neg', 'sqrt'), a: pick }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('binary' as const), fn: fc.constantFrom('add', 'mul', 'sub', 'div', 'max'), a: pick, b: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('scalar' as const), fn: fc.constantFrom('add', 'mul'), a: pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('rowReduce' as const), fn: fc.constantFrom('sum', 'max'), a: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('colSum' as const), a: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fullSum' as const), a: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('matmul' as const), a: pick }) },
);

export const cseRecipeArb = (opts: { minSteps?: number; maxSteps?: number } = {}): fc.Arbitrary<CseRecipe> =>
  fc.record({
    rows: fc.constantFrom(8, 64, 512, 2048),
    cols: fc.constantFrom(16, 100, 256),
    steps: fc.array(stepArb, { minLength: opts.minSteps ?? 4, maxLength: opts.maxSteps ?? 12 }),
    outputs: fc.array(pick, { minLength: 0, maxLength: 1 }),
    pin: fc.option(pick, { freq: 4 }),
  });

export function buildCse(r: CseRecipe, name = 'cse'): ModelIR {
  const g = new Graph();
  const X = g.input('X', [r.rows, r.cols]);
  const Y = g.input('Y', [r.rows, r.cols]);
  const inputs = [X, Y];
  const pool: NodeId[] = [X, Y];
  // Mostly earlier computed nodes (so they get several consumers), sometimes an input.
  const at = (i: number): NodeId => {
    const computed = pool.filter((id) => !inputs.includes(id));
    return i % 4 === 0 || computed.length === 0 ? inputs[(i >> 2) % 2]! : computed[(i >> 2) % computed.length]!;
  };
  const shape = (id: NodeId): readonly (number | string)[] => g.node(id).shape;
  let k = 0;
  for (const s of r.steps) {
    try {
      const before = g.nodes.length;
      const id = ((): NodeId => {
        switch (s.kind) {
          case 'unary':
            return g.unary(s.fn, at(s.a));
          case 'binary':
            return g.binary(s.fn, at(s.a), at(s.b));
          case 'scalar':
            return g.binary(s.fn, at(s.a), g.constant(s.a % 2 === 0 ? 0.5 : 3));
          case 'rowReduce': {
            const a = at(s.a);
            if (shape(a).length !== 2 || shape(a)[1] === 1) throw new Error('not a row space');
            return g.reduce(s.fn, a, [1], true);
          }
          case 'colSum': {
            const a = at(s.a);
            if (shape(a).length !== 2 || shape(a)[0] === 1) throw new Error('no rows');
            return g.reduce('sum', a, [0], true);
          }
          case 'fullSum':
            return g.reduce('sum', at(s.a), 'all');
          case 'matmul': {
            const a = at(s.a);
            if (shape(a).length !== 2 || shape(a)[1] !== r.cols) throw new Error('inner dim');
            const w = g.input(`W${k++}`, [r.cols, 8]);
            inputs.push(w);
            return g.matmul(a, w);
          }
        }
      })();
      // Hash-consing may hand back an existing node: that is a CSE, not a new step.
      if (g.nodes.length > before || !pool.includes(id)) pool.push(id);
    } catch {
      // operands that do not fit: skip the step (the recipe stays valid when shrunk)
    }
  }
  const computed = pool.filter((id) => !inputs.includes(id));
  const last = computed[computed.length - 1] ?? g.unary('abs', X);
  // Every computed node nothing else consumes is an output, so the whole DAG is live.
  const consumed = new Set(g.nodes.flatMap((n) => n.inputs));
  const sinks = computed.filter((id) => !consumed.has(id));
  const outs = [...new Set([last, ...sinks, ...r.outputs.map((o) => (computed.length > 0 ? computed[o % computed.length]! : last))])];
  if (r.pin !== null && computed.length > 0) g.pin(computed[r.pin % computed.length]!);
  return {
    name,
    graph: g,
    inputs: inputs.map((id) => ({ name: (g.node(id) as { name: string }).name, node: id })),
    outputs: outs.map((node, i) => ({ name: `out${i}`, node })),
  };
}
