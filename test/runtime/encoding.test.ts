/**
 * What a repeated run costs on the CPU side: one command encoder and one submit per run, and no
 * new bind groups once the pool hands a plan's run the same buffers again (counted through
 * runtime.counters() and a wrapped device).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, model, softmax } from '../../src/dsl/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

const net = model('net', { x: f32([4, 16]), w: f32([16, 8]), b: f32([8]) }, ({ x, w, b }) => ({
  p: softmax(x.matmul(w).add(b).relu()),
  s: x.mul(x).sum(1),
}));
const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
const w = Float32Array.from({ length: 128 }, (_, i) => Math.cos(i) / 4);
const b = new Float32Array(8).fill(0.1);

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime();
});
afterAll(() => rt?.destroy());

/** Counts the device calls a run makes, by wrapping them on the runtime's device. */
function countCalls(device: GPUDevice): { encoders: number; bindGroups: number; restore: () => void } {
  const counts = { encoders: 0, bindGroups: 0, restore: () => {} };
  const d = device as { -readonly [K in 'createCommandEncoder' | 'createBindGroup']: GPUDevice[K] };
  const enc = d.createCommandEncoder;
  const bg = d.createBindGroup;
  d.createCommandEncoder = (desc) => (counts.encoders++, enc.call(device, desc));
  d.createBindGroup = (desc) => (counts.bindGroups++, bg.call(device, desc));
  counts.restore = () => {
    d.createCommandEncoder = enc;
    d.createBindGroup = bg;
  };
  return counts;
}

describe('per-run encoding', () => {
  it('one encoder and one submit per run; bind groups are created once and then reused', async () => {
    const plan = compile(net, { limits: rt.limits });
    const kernels = plan.executable.kernels.length;
    expect(kernels).toBeGreaterThan(1);
    const wt = await rt.upload(w, [16, 8]);
    const calls = countCalls(rt.device);
    try {
      const c0 = rt.counters();
      const first = await rt.run(plan, { x, w: wt, b });
      const c1 = rt.counters();
      expect(c1.submits - c0.submits).toBe(1);
      expect(c1.bindGroupsCreated - c0.bindGroupsCreated).toBe(kernels);
      expect(calls.encoders).toBe(1);
      for (let i = 0; i < 5; i++) {
        const { outputs } = await rt.run(plan, { x, w: wt, b });
        expect(outputs.p).toEqual(first.outputs.p);
      }
      const c6 = rt.counters();
      expect(c6.submits - c1.submits).toBe(5);
      expect(c6.bindGroupsCreated).toBe(c1.bindGroupsCreated);
      expect(calls.encoders).toBe(6);
      expect(calls.bindGroups).toBe(kernels);
    } finally {
      calls.restore();
      wt.dispose();
    }
  });

  it('bind groups naming a destroyed buffer are dropped, not reused', async () => {
    const plan = compile(net, { limits: rt.limits });
    const before = rt.counters().bindGroupsCreated;
    const w1 = await rt.upload(w, [16, 8]);
    const r1 = await rt.run(plan, { x, w: w1, b });
    w1.dispose();
    const w2 = await rt.upload(w.map((v) => v * 2), [16, 8]);
    const r2 = await rt.run(plan, { x, w: w2, b });
    // The kernels binding w got new groups over w2's buffer, and the results follow the new weights.
    expect(rt.counters().bindGroupsCreated).toBeGreaterThan(before);
    expect(r2.outputs.p).not.toEqual(r1.outputs.p);
    w2.dispose();
    rt.trim();
  });

  it('GpuTensor.read() is one submit', async () => {
    const t = await rt.upload(x, [4, 16]);
    const before = rt.counters().submits;
    expect(Array.from(await t.read())).toEqual(Array.from(x));
    expect(rt.counters().submits - before).toBe(1);
    t.dispose();
  });
});
