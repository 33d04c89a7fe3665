/**
 * Issue 7, part 6: numerics. NaN and infinities propagate as in the float64 reference for every op
 * and every template (unfused, fused cell, reductions, row programs, matmul), and long sums stay
 * within the documented error bound (docs/reliability.md). Known WGSL differences that are not
 * about NaN/Inf (subnormal inputs, sin/cos far outside [-pi, pi]) are left out here and
 * documented there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, model, softmax, where, type AnyModel } from '../../src/dsl/index.js';
import { Graph } from '../../src/ir/graph.js';
import type { ModelIR } from '../../src/ir/model.js';
import { BINARY_FNS, UNARY_FNS } from '../../src/ir/ops.js';
import type { Strategy } from '../../src/plan/plan.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime({ poolBytes: 0 });
});
afterAll(() => gpu?.destroy());

const SPECIAL = [Number.NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2, -2, 2.5, -3, 100, -100, 3e38, -3e38, 1e-30];

/** Runs m under each strategy and checks every element against the reference (NaN for NaN, same infinities). */
async function agrees(m: AnyModel | ModelIR, inputs: Record<string, Float32Array>, strategies: readonly Strategy[], label: (i: number) => string = String): Promise<string[]> {
  const ir = 'ir' in m ? m.ir : m;
  const ref = evaluate(ir, {}, inputs);
  const bad: string[] = [];
  for (const strategy of strategies) {
    const plan = compile(ir, { strategy, limits: gpu.limits });
    const { outputs } = await gpu.run(plan, inputs, { poison: true });
    for (const o of ir.outputs) {
      const got = outputs[o.name]!;
      const want = ref[o.name]!;
      for (let i = 0; i < want.data.length; i++) {
        const one = { shape: [1], data: want.data.subarray(i, i + 1), bound: want.bound.subarray(i, i + 1) };
        if (!compareToReference([got[i]!], one).ok) bad.push(`${strategy} ${o.name} ${label(i)}: got ${got[i]}, want ${want.data[i]} (bound ${want.bound[i]})`);
      }
    }
  }
  return bad;
}

describe('NaN and infinities, op by op (unfused kernels and fused vec4 cells)', () => {
  it('every unary op', async () => {
    const bad: string[] = [];
    for (const fn of UNARY_FNS) {
      const xs = SPECIAL.filter((v) => !((fn === 'sin' || fn === 'cos') && Math.abs(v) > 1e4));
      // 4 copies: a multiple of 4 elements, so the fused cell takes the vec4 path.
      const x = Float32Array.from([...xs, ...xs, ...xs, ...xs]);
      const g = new Graph();
      const a = g.input('x', [x.length]);
      const ir: ModelIR = { name: fn, graph: g, inputs: [{ name: 'x', node: a }], outputs: [{ name: 'y', node: g.unary(fn, a) }] };
      bad.push(...(await agrees(ir, { x }, ['none', 'cost'], (i) => `${fn}(${x[i]})`)));
    }
    expect(bad).toEqual([]);
  });

  it('every binary op over all pairs of special values, and where() with a NaN condition', async () => {
    const n = SPECIAL.length;
    const a = new Float32Array(n * n);
    const b = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) [a[i * n + j], b[i * n + j]] = [SPECIAL[i]!, SPECIAL[j]!];
    const bad: string[] = [];
    for (const fn of BINARY_FNS) {
      const g = new Graph();
      const [p, q] = [g.input('a', [n * n]), g.input('b', [n * n])];
      const ir: ModelIR = { name: fn, graph: g, inputs: [{ name: 'a', node: p }, { name: 'b', node: q }], outputs: [{ name: 'y', node: g.binary(fn, p, q) }] };
      bad.push(...(await agrees(ir, { a, b }, ['none', 'cost'], (i) => `${fn}(${a[i]}, ${b[i]})`)));
    }
    const w = model('where', { c: f32([n]), a: f32([n]), b: f32([n]) }, ({ c, a, b }) => ({ y: where(c, a, b) }));
    const c = Float32Array.from(SPECIAL);
    bad.push(...(await agrees(w, { c, a: new Float32Array(n).fill(1), b: new Float32Array(n).fill(2) }, ['none', 'cost'], (i) => `where(${c[i]})`)));
    expect(bad).toEqual([]);
  });
});

describe('NaN and infinities through every template', () => {
  /** 12 rows of 2500: row r holds pattern r at a row-dependent column, ones elsewhere. */
  const R = 12;
  const C = 2500;
  const PATTERNS: number[][] = [[], [Number.NaN], [Infinity], [-Infinity], [Infinity, -Infinity], [Number.NaN, Infinity], [Number.NaN, -Infinity]];
  const x = new Float32Array(R * C).fill(1);
  for (let r = 0; r < R; r++) {
    const p = PATTERNS[r % PATTERNS.length]!;
    p.forEach((v, k) => (x[r * C + ((r * 977 + k * 131) % C)] = v));
  }
  x.fill(-Infinity, (R - 1) * C, R * C); // a whole row of -inf: max is -inf, softmax is NaN
  const all: Strategy[] = ['none', 'cost', 'fuse-all'];

  it('reductions: sum/max/min of rows (row and thread layouts), of columns (vec4 outputs), of everything (two passes), magg', async () => {
    const m = model('red', { x: f32([R, C]) }, ({ x }) => ({
      rs: x.sum(1),
      rmax: x.max(1),
      rmin: x.min(1),
      cs: x.sum(0),
      cmax: x.max(0),
      all: x.mul(2).sum(),
      amax: x.abs().max(),
    }));
    expect(await agrees(m, { x }, all)).toEqual([]);
  });

  it('row programs: softmax and centering with Inf and NaN in rows', async () => {
    const m = model('rows', { x: f32([R, C]) }, ({ x }) => ({ p: softmax(x), c: x.sub(x.mean(1, { keepDims: true })) }));
    const plan = compile(m, { limits: gpu.limits });
    expect(plan.plan.ops.some((o) => o.template === 'row')).toBe(true);
    expect(await agrees(m, { x }, all)).toEqual([]);
  });

  it('matmul: NaN and Inf in A, Inf * 0, with a fused prologue and epilogue', async () => {
    const A = Float32Array.from({ length: 70 * 40 }, (_, i) => ((i * 37) % 11) - 5);
    A[3 * 40 + 7] = Number.NaN;
    A[10 * 40 + 2] = Infinity;
    A[20 * 40 + 9] = -Infinity;
    const B = Float32Array.from({ length: 40 * 66 }, (_, i) => ((i * 13) % 7) - 3);
    B.fill(0, 2 * 66, 3 * 66); // row k=2 of B is zero: Inf * 0 = NaN in row 10 of A @ B
    const m = model('mm', { a: f32([70, 40]), b: f32([40, 66]) }, ({ a, b }) => ({ y: a.mul(0.5).matmul(b).add(1).relu() }));
    expect(compile(m, { limits: gpu.limits }).plan.ops.map((o) => o.template)).toContain('matmul');
    expect(await agrees(m, { a: A, b: B }, all)).toEqual([]);
  });
});

describe('long sums', () => {
  /** 0.1 everywhere and 1e4 first: a naive f32 loop loses ~1% once the total dwarfs 0.1. */
  function hostile(n: number): Float32Array {
    const x = new Float32Array(n).fill(0.1);
    x[0] = 1e4;
    return x;
  }
  const U = 2 ** -24;

  it('a 1,000,001-element sum keeps |error| <= 1e-5 relative in every template (naive f32: 1e-2)', async () => {
    const n = 1_000_001;
    const x = hostile(n);
    let exact = 0;
    let naive = 0;
    for (let i = 0; i < n; i++) {
      exact += x[i]!;
      naive = Math.fround(naive + x[i]!);
    }
    const cases: [string, AnyModel, Strategy][] = [
      ['cell (thread layout, 2 passes)', model('s', { x: f32(['N']) }, ({ x }) => ({ s: x.sum() })), 'cost'],
      ['row template', model('r', { x: f32([1, 'N']) }, ({ x }) => ({ s: x.sum(1, { keepDims: true }), c: x.sub(x.sum(1, { keepDims: true })) })), 'cost'],
      ['unfused (256 lanes, tree)', model('u', { x: f32(['N']) }, ({ x }) => ({ s: x.sum() })), 'none'],
    ];
    const report: string[] = [];
    for (const [what, m, strategy] of cases) {
      const plan = compile(m, { dims: { N: n }, strategy, limits: gpu.limits });
      const got = (await gpu.run(plan, { x }, { poison: true })).outputs.s![0]!;
      const rel = Math.abs(got - exact) / exact;
      report.push(`${what}: rel err ${rel.toExponential(2)} (${(Math.abs(got - exact) / (U * exact)).toFixed(1)} u sum|x|)`);
      expect(rel, what).toBeLessThan(1e-5);
    }
    expect(Math.abs(naive - exact) / exact).toBeGreaterThan(1e-3);
    console.log(`sum of ${n}: naive f32 rel err ${(Math.abs(naive - exact) / exact).toExponential(2)}; ${report.join('; ')}`);
  });

  it('4096 rows of 2048 (one lane per row, blocked) stay within 1e-5 of the reference, NaN and Inf included', async () => {
    const R = 4096;
    const C = 2048;
    const x = new Float32Array(R * C).fill(0.1);
    for (let r = 0; r < R; r++) x[r * C] = 1e3;
    // Specials late in a lane's blocks, so they go through the blocked subtotals.
    x[1 * C + 1999] = Number.NaN;
    x[2 * C + 1500] = Infinity;
    x[3 * C + 700] = -Infinity;
    [x[4 * C + 300], x[4 * C + 1900]] = [Infinity, -Infinity];
    const m = model('rows', { x: f32([R, C]) }, ({ x }) => ({ s: x.sum(1, { keepDims: true }), c: x.sub(x.sum(1, { keepDims: true })) }));
    const plan = compile(m, { limits: gpu.limits });
    const got = (await gpu.run(plan, { x })).outputs.s!;
    let worst = 0;
    for (let r = 0; r < R; r++) {
      let exact = 0;
      for (let c = 0; c < C; c++) exact += x[r * C + c]!;
      if (!Number.isFinite(exact)) expect(got[r], `row ${r}`).toBe(exact);
      else worst = Math.max(worst, Math.abs(got[r]! - exact) / exact);
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
