/**
 * Workgroup memory comes from the generator's own declarations (WorkgroupMemory), not from reading
 * the WGSL back: the byte counts of real kernels, and the compile-time limit check. No GPU needed.
 */
import { describe, expect, it } from 'vitest';
import { lowerPlan, type LowerPlanOptions } from '../../src/codegen/lower.js';
import { lowerUnfused } from '../../src/codegen/lower-unfused.js';
import { WorkgroupMemory } from '../../src/codegen/wgsl.js';
import { FuseplanError } from '../../src/ir/errors.js';
import { Graph } from '../../src/ir/graph.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import { bindShapes, type ModelIR } from '../../src/ir/model.js';
import type { NodeId } from '../../src/ir/node.js';
import type { FusedOp } from '../../src/plan/plan.js';
import { MATMUL_GEOMETRY } from '../../src/plan/kernel-geometry.js';
import { closure, fop, modelOf } from './fused-support.js';
import { catchFuseplanError } from '../support/catch-error.js';

const lower = (m: ModelIR, ops: FusedOp[], opts: Partial<LowerPlanOptions> = {}) =>
  lowerPlan(m, bindShapes(m, {}), ops, { limits: WEBGPU_DEFAULT_LIMITS, ...opts }).executable.kernels;


function matmulModel(M: number, K: number, N: number): { m: ModelIR; ops: FusedOp[] } {
  const g = new Graph();
  const a = g.input('a', [M, K]);
  const b = g.input('b', [K, N]);
  const y = g.unary('relu', g.matmul(a, b));
  return { m: modelOf(g, { a, b }, { y }), ops: [fop(g, 0, 'matmul', closure(g, [y]), [y])] };
}

/** sum, max and sum of squares over the last axis, in one magg op. */
function threeReductions(rows: number, C: number): { m: ModelIR; ops: FusedOp[] } {
  const g = new Graph();
  const x = g.input('x', [rows, C]);
  const outs: NodeId[] = [g.reduce('sum', x, [1]), g.reduce('max', x, [1]), g.reduce('sum', g.binary('mul', x, x), [1])];
  return { m: modelOf(g, { x }, { s: outs[0]!, mx: outs[1]!, q: outs[2]! }), ops: [fop(g, 0, 'magg', closure(g, outs), outs)] };
}

function softmaxRows(rows: number, C: number): { m: ModelIR; ops: FusedOp[] } {
  const g = new Graph();
  const x = g.input('x', [rows, C]);
  const e = g.unary('exp', g.binary('sub', x, g.reduce('max', x, [1], true)));
  const y = g.binary('div', e, g.reduce('sum', e, [1], true));
  return { m: modelOf(g, { x }, { y }), ops: [fop(g, 0, 'row', closure(g, [y]), [y])] };
}

/** Row sum and max used in the same phase: two reductions finished across lanes at once. */
function rowSumAndMax(rows: number, C: number): { m: ModelIR; ops: FusedOp[] } {
  const g = new Graph();
  const x = g.input('x', [rows, C]);
  const y = g.binary('sub', g.reduce('sum', x, [1], true), g.reduce('max', x, [1], true));
  return { m: modelOf(g, { x }, { y }), ops: [fop(g, 0, 'row', closure(g, [y]), [y])] };
}

describe('WorkgroupMemory', () => {
  it('prints each declaration and adds up its bytes', () => {
    const wg = new WorkgroupMemory();
    expect(wg.bytes).toBe(0);
    expect(wg.decls()).toEqual([]);
    wg.array('t', 'f32', [16, 8]);
    wg.array('v', 'vec4<f32>', [32]);
    expect(wg.decls()).toEqual(['var<workgroup> t: array<array<f32, 8>, 16>;', 'var<workgroup> v: array<vec4<f32>, 32>;']);
    expect(wg.bytes).toBe(16 * 8 * 4 + 32 * 16);
  });

  it('rejects empty or fractional extents', () => {
    expect(() => new WorkgroupMemory().array('t', 'f32', [])).toThrow(/bad extents/);
    expect(() => new WorkgroupMemory().array('t', 'f32', [2.5])).toThrow(/bad extents/);
  });
});

describe('workgroup bytes of real kernels', () => {
  it('tiled matmul: the A and B tiles; skinny matmul: none', () => {
    const { tileM, tileN, tileK } = MATMUL_GEOMETRY;
    const tiled = matmulModel(96, 40, 80);
    const [k] = lower(tiled.m, tiled.ops);
    expect(k!.workgroupBytes).toBe((tileK * tileM + tileK * tileN) * 4);
    expect(k!.wgsl).toContain(`var<workgroup> As: array<vec4<f32>, ${(tileK * tileM) / 4}>;`);
    const skinny = matmulModel(96, 40, 3);
    expect(lower(skinny.m, skinny.ops)[0]!.workgroupBytes).toBe(0);
  });

  it('group-layout reductions: one 256-float tree per reduction; thread layout and pass 2: none', () => {
    const { m, ops } = threeReductions(4, 5000);
    const group = lower(m, ops, { reduce: { layout: 'group' } });
    expect(group[0]!.workgroupBytes).toBe(3 * 256 * 4);
    expect(group[0]!.wgsl).toContain('var<workgroup> part2: array<f32, 256>;');
    for (const k of group.slice(1)) expect(k.workgroupBytes).toBe(0);
    for (const k of lower(m, ops, { reduce: { layout: 'thread' } })) expect(k.workgroupBytes).toBe(0);
  });

  it('row programs: one tree per reduction finished in the same phase when a row has several lanes', () => {
    const sm = softmaxRows(2, 1000);
    expect(lower(sm.m, sm.ops)[0]!.workgroupBytes).toBe(256 * 4);
    expect(lower(sm.m, sm.ops, { row: { lanes: 1 } })[0]!.workgroupBytes).toBe(0);
    const two = rowSumAndMax(2, 1000);
    expect(lower(two.m, two.ops, { row: { lanes: 64 } })[0]!.workgroupBytes).toBe(2 * 256 * 4);
  });

  it('unfused baseline: the 16x16 matmul tiles and the long-reduction tree', () => {
    const mm = matmulModel(40, 40, 40);
    expect(lowerUnfused(mm.m, {}, { maxWorkgroupsPerDim: 65535 }).kernels.map((k) => k.workgroupBytes)).toEqual([2 * 16 * 16 * 4, 0]);
    const g = new Graph();
    const x = g.input('x', [3, 1000]);
    const s = g.reduce('sum', x, [1]);
    expect(lowerUnfused(modelOf(g, { x }, { s }), {}, { maxWorkgroupsPerDim: 65535 }).kernels[0]!.workgroupBytes).toBe(256 * 4);
  });
});

describe('workgroup memory limit', () => {
  it('rejects an over-limit kernel at compile time with a typed limit error', () => {
    const { m, ops } = threeReductions(4, 5000);
    const limits = { ...WEBGPU_DEFAULT_LIMITS, maxComputeWorkgroupStorageSize: 2048 };
    const e = catchFuseplanError(() => lower(m, ops, { limits, reduce: { layout: 'group' } }));
    expect(e.code).toBe('limit');
    expect(e.message).toMatch(/op 0 \(magg, members [^)]*\) needs 3072 bytes of workgroup memory; the device allows 2048/);
    // The same op in the thread layout declares none and lowers.
    expect(lower(m, ops, { limits, reduce: { layout: 'thread' } }).length).toBeGreaterThan(0);
  });

  it('accepts a kernel exactly at the limit', () => {
    const { m, ops } = matmulModel(96, 40, 80);
    const limits = { ...WEBGPU_DEFAULT_LIMITS, maxComputeWorkgroupStorageSize: 4096 };
    expect(lower(m, ops, { limits })[0]!.workgroupBytes).toBe(4096);
    expect(catchFuseplanError(() => lower(m, ops, { limits: { ...limits, maxComputeWorkgroupStorageSize: 4095 } })).code).toBe('limit');
  });
});
