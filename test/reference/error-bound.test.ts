/** The error analysis on cases whose bounds are known by hand (no device needed). */
import { describe, expect, it } from 'vitest';
import { SUM_BLOCK } from '../../src/codegen/wgsl.js';
import { f32, model } from '../../src/index.js';
import { F32_ULP, sumChain } from '../../src/ir/error-rules.js';
import { compareToReference } from '../../src/reference/compare.js';
import { KERNEL_SUM_BLOCK } from '../../src/reference/error-bound.js';
import { evaluate } from '../../src/reference/evaluate.js';

const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

describe('error bounds', () => {
  it('assume the summation block the kernels use', () => {
    expect(KERNEL_SUM_BLOCK).toBe(SUM_BLOCK);
  });

  it('are zero for exact ops on f32 inputs, so a one-ULP difference fails', () => {
    const m = model('exact', { x: f32([4]) }, ({ x }) => ({ y: x.relu().neg().abs() }));
    const x = Float32Array.from([1.5, -2, 3e-3, 0]);
    const ref = evaluate(m.ir, {}, { x }).y!;
    expect([...ref.bound]).toEqual([0, 0, 0, 0]);
    const off = Float32Array.from(ref.data);
    off[2] = Math.fround(off[2]! * (1 + 2 * F32_ULP));
    expect(compareToReference(off, ref).badCount).toBe(1);
  });

  it('charge a sum one rounding per link of the longest addition chain, scaled by the magnitudes', () => {
    const n = 100_000;
    const m = model('sum', { x: f32([n]) }, ({ x }) => ({ s: x.sum() }));
    const ref = evaluate(m.ir, {}, { x: ones(n) }).s!;
    expect(sumChain(n, SUM_BLOCK)).toBeLessThan(n / 100);
    expect(ref.bound[0]).toBeCloseTo(sumChain(n, SUM_BLOCK) * F32_ULP * n, 12);
  });

  it('scale with each element, not with the output: a small element gets a small bound', () => {
    const m = model('mul', { x: f32([2]), y: f32([2]) }, ({ x, y }) => ({ z: x.mul(y).add(x) }));
    const ref = evaluate(m.ir, {}, { x: Float32Array.from([1e-6, 1e3]), y: Float32Array.from([3, 3]) }).z!;
    expect(ref.bound[0]! / Math.abs(ref.data[0]!)).toBeLessThan(1e-6);
    expect(ref.bound[0]!).toBeLessThan(ref.bound[1]! * 1e-6);
  });

  it('are infinite where a divisor can reach zero, and such elements pass anything', () => {
    const m = model('div', { x: f32([2]) }, ({ x }) => ({ y: x.div(x.sub(0.1)) }));
    const x = Float32Array.from([0.1, 2]);
    const ref = evaluate(m.ir, {}, { x }).y!;
    expect(ref.bound[0]).toBe(Infinity);
    expect(Number.isFinite(ref.bound[1]!)).toBe(true);
    const c = compareToReference([Number.NaN, ref.data[1]!], ref);
    expect(c.ok).toBe(true);
    expect(c.unbounded).toBe(1);
  });

  it('keep infinities and NaN exact when no operand carried an error', () => {
    const m = model('inf', { x: f32([3]) }, ({ x }) => ({ y: x.mul(2).exp() }));
    const x = Float32Array.from([Infinity, Number.NaN, -Infinity]);
    const ref = evaluate(m.ir, {}, { x }).y!;
    expect([...ref.bound]).toEqual([0, 0, 0]);
    expect(compareToReference(Float32Array.from([Infinity, Number.NaN, 0]), ref).ok).toBe(true);
    expect(compareToReference(Float32Array.from([Infinity, 0, 0]), ref).ok).toBe(false);
  });

  it('let a comparison flip only where the operands are within their errors of each other', () => {
    const m = model('cmp', { x: f32([2]) }, ({ x }) => ({ y: x.mul(3).gt(x.mul(3.0000001)) }));
    const ref = evaluate(m.ir, {}, { x: Float32Array.from([1, 0]) }).y!;
    expect(ref.bound[0]).toBe(1);
    expect(ref.bound[1]).toBe(0);
  });
});
