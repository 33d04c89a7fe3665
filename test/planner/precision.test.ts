/**
 * The precision pass (src/planner/precision.ts) and its analyses (ranges.ts): which intermediates
 * become f16 and why the others stay f32, the error bound it promises (checked by hand here, and
 * on the GPU in test/api/precision.test.ts), costs at 2 bytes per f16 element, and explain.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { DEFAULT_PROFILE } from '../../src/cost/profile.js';
import { f32, materialize, model } from '../../src/dsl/index.js';
import type { PrecisionChoice } from '../../src/plan/plan.js';
import { addedErrors, F16_MIN_NORMAL, F16_ULP, nodeRanges } from '../../src/planner/ranges.js';
import { decodePlanJSON } from '../../src/explain/plan-json.js';
import { isRight } from 'fp-ts/lib/Either.js';

const N = 512;
/** h = tanh(x * y + 1) in [tanh(0), tanh(2)], materialized and read twice. */
const chain = model('chain', { x: f32([N, N]), y: f32([N, N]) }, ({ x, y }) => {
  const h = materialize(x.mul(y).add(1).tanh());
  return { a: h.mul(4).add(x), b: h.mul(y) };
});
const unit = { x: [-1, 1], y: [-1, 1] } as const;
const choiceOf = (c: ReturnType<typeof compile>): PrecisionChoice => {
  const p = c.plan.precision;
  if (p === undefined || p.choices.length !== 1) throw new Error(`expected one materialized intermediate, got ${JSON.stringify(p?.choices)}`);
  return p.choices[0]!;
};

describe('precision pass', () => {
  it('stores a large elementwise intermediate as f16 under a loose budget, and charges 2 bytes per element', () => {
    const f32Plan = compile(chain);
    const c = compile(chain, { precision: { maxRelError: 1e-2, inputRanges: unit } });
    const h = choiceOf(c);
    expect(h.storage).toBe('f16');
    expect(h.reason.kind).toBe('f16');
    // One write and two reads (two consumer operators, or one reading it once) saved at 2 bytes each.
    const readers = c.plan.ops.filter((o) => o.inputs.includes(h.node)).length;
    expect(h.bytesSaved).toBe(N * N * 2 * (1 + readers));
    const producer = c.plan.ops.find((o) => o.outputs.includes(h.node))!;
    expect(c.plan.costs[producer.id]!.bytesWritten).toBe(f32Plan.plan.costs[producer.id]!.bytesWritten - N * N * 2);
    expect(c.plan.estimatedMs).toBeLessThan(f32Plan.plan.estimatedMs);
    expect(c.plan.precision!.f32EstimatedMs).toBeCloseTo(f32Plan.plan.estimatedMs, 12);
    // The same fusion plan: precision changes storage only.
    expect(c.plan.ops).toEqual(f32Plan.plan.ops);
  });

  it('keeps it f32 when the budget is tighter than one f16 rounding can meet', () => {
    const c = compile(chain, { precision: { maxRelError: 1e-4, inputRanges: unit } });
    const h = choiceOf(c);
    expect(h.storage).toBe('f32');
    expect(h.reason.kind).toBe('budget');
    if (h.reason.kind !== 'budget') return;
    expect(h.reason.bound).toBeGreaterThan(h.reason.allowed);
    expect(c.plan.precision!.outputs.every((o) => o.addedError === 0)).toBe(true);
    expect(c.plan.estimatedMs).toBe(compile(chain).plan.estimatedMs);
  });

  it('bounds the error as derived in docs/planner.md: rounding of h, times 4 into a, times |y| into b', () => {
    const c = compile(chain, { precision: { maxRelError: 1e-2, inputRanges: unit } });
    const p = c.plan.precision!;
    const h = choiceOf(c);
    const mh = Math.tanh(2);
    const eh = F16_ULP * mh + F16_MIN_NORMAL;
    expect(h.range[0]).toBeCloseTo(0, 12);
    expect(h.range[1]).toBeCloseTo(mh, 12);
    if (h.reason.kind !== 'f16') throw new Error('expected f16');
    expect(h.reason.addedError).toBeCloseTo(eh, 15);
    const [a, b] = p.outputs;
    // a = 4h + x: 4 eh (and a sliver of slack for the f32 ops downstream); b = h y: |y| <= 1.
    expect(a!.addedError / (4 * eh)).toBeGreaterThanOrEqual(1);
    expect(a!.addedError / (4 * eh)).toBeLessThan(1 + 1e-4);
    expect(b!.addedError / eh).toBeGreaterThanOrEqual(1);
    expect(b!.addedError / eh).toBeLessThan(1 + 1e-4);
    expect(a!.magnitude).toBeCloseTo(4 * mh + 1, 12);
    expect(b!.magnitude).toBeCloseTo(mh, 12);
  });

  it('keeps reduction results f32 (statistics), whatever the budget', () => {
    const m = model('stat', { x: f32([N, N]) }, ({ x }) => {
      const s = materialize(x.exp().sum(1));
      return { y: s.mul(2).add(1) };
    });
    const c = compile(m, { precision: { maxRelError: 0.5, inputRanges: { x: [-1, 1] } } });
    const choices = c.plan.precision!.choices;
    expect(choices.length).toBeGreaterThan(0);
    for (const ch of choices) expect(ch.storage).toBe('f32');
    expect(choices.some((ch) => ch.reason.kind === 'statistic')).toBe(true);
  });

  it('never stores as f16 a value whose range can exceed 65504', () => {
    const m = model('big', { x: f32([N, N]) }, ({ x }) => {
      const h = materialize(x.mul(x));
      return { y: h.add(x), z: h.mul(0.5) };
    });
    const big = choiceOf(compile(m, { precision: { maxRelError: 0.5, inputRanges: { x: [-300, 300] } } }));
    expect(big.storage).toBe('f32');
    expect(big.reason).toEqual({ kind: 'overflow', magnitude: 90000 });
    // Below the f16 maximum (255^2 = 65025) it may be f16.
    expect(choiceOf(compile(m, { precision: { maxRelError: 0.5, inputRanges: { x: [-255, 255] } } })).storage).toBe('f16');
  });

  it('keeps f32 where the cost model does not expect f16 to pay (arithmetic-bound kernels: conversions cost, bytes do not)', () => {
    const slowArithmetic = { ...DEFAULT_PROFILE, flopsPerMs: DEFAULT_PROFILE.flopsPerMs / 1000 };
    const h = choiceOf(compile(chain, { profile: slowArithmetic, precision: { maxRelError: 1e-2, inputRanges: unit } }));
    expect(h.storage).toBe('f32');
    expect(h.reason.kind).toBe('cost');
    if (h.reason.kind === 'cost') expect(h.reason.f16Ms).toBeGreaterThan(h.reason.f32Ms);
  });

  it('keeps f32 an intermediate whose buffer is a model output (the output is a reshape of it)', () => {
    const m = model('view', { x: f32([N, N]) }, ({ x }) => {
      const h = materialize(x.tanh());
      return { flat: h.reshape([N * N]), y: h.mul(2) };
    });
    const c = compile(m, { precision: { maxRelError: 0.5, inputRanges: { x: [-1, 1] } } });
    const h = c.plan.precision!.choices.find((ch) => c.plan.model.graph.node(ch.node).op === 'unary');
    expect(h?.reason).toEqual({ kind: 'output' });
  });

  it('keeps f32 what depends on an input without a range', () => {
    const m = model('open', { x: f32([N, N]), y: f32([N, N]) }, ({ x, y }) => {
      const h = materialize(x.mul(y));
      return { a: h.add(x), b: h.mul(2) };
    });
    expect(choiceOf(compile(m, { precision: { maxRelError: 0.5, inputRanges: { x: [-1, 1] } } })).reason.kind).toBe('range');
    // A bounded intermediate feeding an unbounded output: no error is allowed there.
    const c = choiceOf(compile(chain, { precision: { maxRelError: 0.5, inputRanges: { x: [-1, 1] } } }));
    expect(c.reason).toMatchObject({ kind: 'budget', allowed: 0 });
  });

  it('keeps f32 when the target adapter lacks shader-f16, and explain says so', () => {
    const target = { limits: compile(chain).limits, adapterInfo: { vendor: 'test', architecture: '', device: '', description: 'no f16' }, features: ['timestamp-query'] };
    const c = compile(chain, { runtime: target, precision: { maxRelError: 0.5, inputRanges: unit } });
    expect(choiceOf(c).reason.kind).toBe('device');
    expect(c.explain()).toContain('note: the adapter lacks shader-f16: every intermediate stays f32');
    expect(c.explain('wgsl')).not.toContain('enable f16;');
  });

  it('explains precision in text and JSON (which decodes as a saved plan); plans without a budget have no precision section', () => {
    const c = compile(chain, { precision: { maxRelError: 1e-2, inputRanges: unit } });
    const text = c.explain();
    expect(text).toMatch(/precision: budget 1\.0e-2 of each output's magnitude bound; 1 of 1 intermediates f16, [\d.]+ MiB less moved/);
    expect(text).toMatch(/f16: within budget, adds error <= [\d.]+e-\d to the value/);
    expect(text).toMatch(/output %\d+\(a\): \|value\| <= 4\.86, f16 adds error <= [\d.]+e-3 \(budget 4\.9e-2\)/);
    const json = JSON.parse(c.explain('json'));
    expect(json.precision.intermediates[0]).toMatchObject({ storage: 'f16', reason: 'f16', bytesSaved: choiceOf(c).bytesSaved });
    expect(isRight(decodePlanJSON(c.explain('json')))).toBe(true);
    const plain = compile(chain);
    expect(plain.plan.precision).toBeUndefined();
    expect(plain.explain()).not.toContain('precision');
    expect(JSON.parse(plain.explain('json')).precision).toBeUndefined();
  });

  it('rejects malformed precision options at compile()', () => {
    const bad = (precision: unknown) => () => compile(chain, { precision: precision as never });
    expect(bad({ maxRelError: 0 })).toThrow(/maxRelError must be a positive finite number/);
    expect(bad({ maxRelError: 'big' })).toThrow(/maxRelError must be a positive finite number/);
    expect(bad({ maxRelError: 1e-3, inputRanges: { z: [0, 1] } })).toThrow(/'z' is not an input of the model/);
    expect(bad({ maxRelError: 1e-3, inputRanges: { x: [1, 0] } })).toThrow(/finite lo <= hi/);
    expect(bad(null)).toThrow(/precision must be an object/);
  });
});

describe('range analysis and error propagation', () => {
  it('ranges follow the op table rules; unknown inputs are unbounded', () => {
    const m = model('r', { x: f32([4, 8]), y: f32([4, 8]) }, ({ x, y }) => ({ s: x.exp().sum(1), d: x.div(y), r: x.relu().sub(y.abs()) }));
    const ir = m.ir;
    const r = nodeRanges(ir.graph, ir.graph.nodes.map((n) => n.shape as number[]), { x: [-1, 2] });
    const out = (name: string) => r[ir.outputs.find((o) => o.name === name)!.node]!;
    expect(out('s')[0]).toBeCloseTo(8 * Math.exp(-1), 12);
    expect(out('s')[1]).toBeCloseTo(8 * Math.exp(2), 12);
    expect(out('d')).toEqual([-Infinity, Infinity]);
    // relu(x) <= 2 and |y| >= 0 bound r above even with y unbounded.
    expect(out('r')).toEqual([-Infinity, 2]);
  });

  it('an f16 value feeding a sum of K terms adds K times its rounding (plus the sum chain slack)', () => {
    const K = 64;
    const m = model('s', { x: f32([4, K]) }, ({ x }) => {
      const h = x.sigmoid();
      return { s: h.sum(1) };
    });
    const ir = m.ir;
    const shapes = ir.graph.nodes.map((n) => n.shape as number[]);
    const ranges = nodeRanges(ir.graph, shapes, { x: [0, 1] });
    const h = ir.graph.nodes.find((n) => n.op === 'unary')!.id;
    const e = addedErrors(ir.graph, shapes, ranges, new Set([h]));
    const eh = F16_ULP * (1 / (1 + Math.exp(-1))) + F16_MIN_NORMAL;
    expect(e[h]).toBeCloseTo(eh, 15);
    const s = ir.outputs[0]!.node;
    expect(e[s]! / (K * eh)).toBeGreaterThanOrEqual(1);
    expect(e[s]! / (K * eh)).toBeLessThan(1.001);
  });
});

describe('interval rules of the op table', () => {
  it('pow with a constant exponent and squares of one node have bounded, sign-aware ranges', async () => {
    const { powRange, powErrorOver, squareRange } = await import('../../src/ir/interval.js');
    expect(squareRange([-3, 2])).toEqual([0, 9]);
    expect(squareRange([-3, -2])).toEqual([4, 9]);
    expect(powRange([-3, 2], [2, 2])).toEqual([0, 9]);
    expect(powRange([-3, 2], [3, 3])).toEqual([-27, 8]);
    expect(powRange([0, 4], [0.5, 0.5])).toEqual([0, 2]);
    expect(powRange([-1, 4], [0.5, 0.5])).toEqual([-Infinity, Infinity]);
    expect(powRange([1, 2], [1, 2])).toEqual([-Infinity, Infinity]);
    // d/da a^3 = 3a^2 <= 3 * 9 on [-3, 2].
    expect(powErrorOver([-3, 2], [3, 3], 0.01, 0)).toBeCloseTo(3 * 9 * 0.01, 15);
    expect(powErrorOver([-3, 2], [3, 3], 0.01, 0.01)).toBe(Infinity);
    expect(powErrorOver([0, 4], [0.5, 0.5], 0.01, 0)).toBe(Infinity);
  });
});
