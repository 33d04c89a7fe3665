import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { Graph } from '../../src/ir/graph.js';
import { bindShapes } from '../../src/ir/model.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { closure, fop, modelOf, randomInputs, runOps } from './fused-support.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** x [R, C] with a row vector [C], a column vector [R, 1] and a scalar, two outputs. */
function broadcastModel(R: number, C: number) {
  const g = new Graph();
  const x = g.input('x', [R, C]);
  const row = g.input('row', [C]);
  const col = g.input('col', [R, 1]);
  const a = g.binary('mul', g.binary('add', x, row), col);
  const y1 = g.unary('exp', g.binary('min', a, g.constant(3)));
  const y2 = g.binary('sub', g.unary('abs', a), g.constant(0.25));
  const m = modelOf(g, { x, row, col }, { y1, y2 });
  return { g, m, ops: [fop(g, 0, 'cell', closure(g, [y1, y2]), [y1, y2])] };
}

describe('cell template (elementwise, one pass)', () => {
  it.each([
    [5, 8, true],
    [3, 1000, true],
    [1, 4, true],
    [7, 13, false],
    [1, 1, false],
    [257, 3, false],
    [4, 6, false],
  ])('broadcasts row/column vectors and scalars over [%i, %i] (vec4: %s)', async (R, C, vec4) => {
    const { m, ops } = broadcastModel(R, C);
    const l = await runOps(gpu, m, ops);
    expect(l.kernelsPerOp).toEqual([1]);
    expect(l.executable.kernels[0]!.wgsl.includes('array<vec4<f32>>')).toBe(vec4);
  });

  it('vectorizes a flat contiguous space whose inner dim alone is not a multiple of 4 ([4, 6] -> 24)', async () => {
    const g = new Graph();
    const x = g.input('x', [4, 6]);
    const y = g.unary('sigmoid', g.binary('mul', x, x));
    const l = await runOps(gpu, modelOf(g, { x }, { y }), [fop(g, 0, 'cell', [y - 1, y], [y])]);
    expect(l.executable.kernels[0]!.wgsl).toContain('array<vec4<f32>>');
  });

  it('handles size-1 dims, odd sizes, where and comparisons, tails of any length', async () => {
    for (const shape of [[1, 3, 1, 5], [2, 1, 257], [1025], [3, 1, 1]]) {
      const g = new Graph();
      const x = g.input('x', shape);
      const z = g.input('z', [shape[shape.length - 1]!]);
      const c = g.binary('gt', x, z);
      const y = g.where(c, g.binary('pow', x, g.constant(2)), g.unary('neg', z));
      const ops = [fop(g, 0, 'cell', closure(g, [y]), [y])];
      await runOps(gpu, modelOf(g, { x, z }, { y }), ops);
    }
  });

  it('reads transposed inputs with permuted strides (scalar fallback) in a cell op', async () => {
    const g = new Graph();
    const x = g.input('x', [10, 6]);
    const w = g.input('w', [3, 10, 6]);
    const t = g.transpose(x);
    const tw = g.transpose(w, [0, 2, 1]);
    const y = g.binary('add', g.unary('tanh', tw), t);
    const l = await runOps(gpu, modelOf(g, { x, w }, { y }), [fop(g, 0, 'cell', [t, tw, y - 1, y], [y])]);
    expect(l.executable.kernels[0]!.wgsl).not.toContain('vec4<f32>>');
  });

  it('prints NaN, infinities, inexact constants, and zeros whose sign and division survive the compiler', async () => {
    const g = new Graph();
    const x = g.input('x', [8]);
    const outs = {
      nan: g.binary('add', x, g.constant(NaN)),
      inf: g.binary('max', x, g.constant(Infinity)),
      ninf: g.binary('min', x, g.constant(-Infinity)),
      tenth: g.binary('mul', x, g.constant(0.1)),
      big: g.binary('add', x, g.constant(1e30)),
      tiny: g.binary('mul', x, g.constant(1e-40)),
      negzero: g.binary('div', x, g.constant(-0)),
      zero: g.binary('div', x, g.constant(0)),
    };
    const members = closure(g, Object.values(outs));
    const m = modelOf(g, { x }, outs);
    const inputs = { x: Float32Array.from([-2, -0.5, 0, 0.5, 2, 3, 4, 1e-3]) };
    const l = await runOps(gpu, m, [fop(g, 0, 'cell', members, Object.values(outs))], { inputs });
    expect(l.executable.buffers.filter((b) => b.kind === 'const')).toHaveLength(0);
  });

  it('runs more than 65535 x 256 elements', async () => {
    const n = 65535 * 256 + 4099;
    const g = new Graph();
    const x = g.input('x', [n]);
    const y = g.binary('mul', g.unary('abs', x), g.constant(2));
    const m = modelOf(g, { x }, { y });
    const lowered = lowerPlan(m, bindShapes(m, {}), [fop(g, 0, 'cell', [y - 2, y], [y])], { limits: gpu.limits });
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (i % 1000) - 500;
    const { outputs } = await gpu.execute(lowered.executable, { x: data }, { poison: true });
    const out = outputs.y!;
    let bad = 0;
    for (let i = 0; i < n; i++) if (out[i] !== Math.abs((i % 1000) - 500) * 2) bad++;
    expect(bad).toBe(0);
  });

  it('spreads workgroups over a 2-D dispatch when one dimension is not enough', async () => {
    const { m, ops } = broadcastModel(300, 130);
    const limits = { ...gpu.limits, maxComputeWorkgroupsPerDimension: 5 };
    const shapes = bindShapes(m, {});
    const lowered = lowerPlan(m, shapes, ops, { limits });
    expect(lowered.executable.kernels[0]!.dispatch[1]).toBeGreaterThan(1);
    const inputs = randomInputs(m);
    const { outputs } = await gpu.execute(lowered.executable, inputs, { poison: true });
    expect(outputs.y1!.some((v) => Number.isNaN(v))).toBe(false);
  });
});

describe('reshape aliasing', () => {
  it('reads a reshaped input and a reshaped op output from the same buffers, and outputs views', async () => {
    const g = new Graph();
    const x = g.input('x', [4, 6]);
    const rx = g.reshape(x, [2, 12]);
    const a = g.unary('exp', g.binary('mul', rx, g.constant(0.5)));
    const ra = g.reshape(a, [24]);
    const v = g.input('v', [24]);
    const y = g.binary('add', ra, v);
    const m = modelOf(g, { x, v }, { y, view: ra, xin: rx });
    const ops = [fop(g, 0, 'cell', [a - 1, a], [a]), fop(g, 1, 'cell', [y], [y])];
    const l = await runOps(gpu, m, ops);
    const exe = l.executable;
    const byName = Object.fromEntries(exe.outputs.map((o) => [o.name, o]));
    expect(byName.view!.buffer).toBe(exe.kernels[1]!.buffers[0]);
    expect(exe.buffers[byName.view!.buffer]!.kind).toBe('output');
    expect(exe.buffers[byName.xin!.buffer]!.kind).toBe('input');
    expect(exe.buffers.filter((b) => b.kind === 'input')).toHaveLength(2);
  });
});

describe('binding limits', () => {
  it('throws a limit error naming the op when a kernel would bind too many buffers', () => {
    const g = new Graph();
    const ins = Array.from({ length: 9 }, (_, i) => g.input(`x${i}`, [8]));
    let acc = ins[0]!;
    const members: number[] = [];
    for (const x of ins.slice(1)) {
      acc = g.binary('add', acc, x);
      members.push(acc);
    }
    const m = modelOf(g, Object.fromEntries(ins.map((x, i) => [`x${i}`, x])), { y: acc });
    const limits = { ...gpu.limits, maxStorageBuffersPerShaderStage: 8 };
    expect(() => lowerPlan(m, bindShapes(m, {}), [fop(g, 7, 'cell', members, [acc])], { limits })).toThrow(/op 7 .*10 storage buffers.*allows 8/);
  });
});
