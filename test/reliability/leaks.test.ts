/**
 * Issue 7, part 4: no leaks. Every GPU buffer the runtime creates is in stats() (in use, or idle
 * in the bounded reuse pool), 1,000 runs end where one run ended, failed runs give back what they
 * took, the same holds with resident weights and outputs kept on the GPU once they are disposed,
 * and the pipeline cache stays under its LRU bound while plans churn.
 * Figures are in docs/reliability.md.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import type { KernelSpec } from '../../src/codegen/kernel.js';
import { f32, model, softmax } from '../../src/dsl/index.js';
import { STRATEGIES } from '../../src/plan/plan.js';
import { createRuntime } from '../../src/runtime/index.js';
import { PipelineCache } from '../../src/runtime/pipelines.js';

const net = model('net', { x: f32(['B', 16]), w: f32([16, 8]), b: f32([8]) }, ({ x, w, b }) => ({
  p: softmax(x.matmul(w).add(b).relu()),
  s: x.mul(x).sum(1),
}));

describe('1,000 runs of one model', () => {
  it('in-use buffers return to zero and the pool, the pipelines and the bytes do not grow', async () => {
    const rt = await createRuntime();
    try {
      const plan = compile(net, { dims: { B: 4 }, limits: rt.limits });
      const inputs = { x: new Float32Array(64).fill(0.5), w: new Float32Array(128).fill(0.25), b: new Float32Array(8) };
      const bad = { ...inputs, x: new Float32Array(63) };
      const first = await rt.run(plan, inputs);
      const after1 = rt.stats();
      expect(after1.liveBuffers).toBe(0);
      expect(after1.liveBytes).toBe(0);
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        if (i % 100 === 50) await expect(rt.run(plan, bad)).rejects.toMatchObject({ code: 'input' });
        const { outputs } = await rt.run(plan, inputs);
        if (i % 250 === 0) expect(outputs.p).toEqual(first.outputs.p);
      }
      const ms = performance.now() - t0;
      const after = rt.stats();
      expect(after).toEqual(after1);
      console.log(`1000 runs: ${(ms / 1000).toFixed(2)} ms/run; stats after 1 run ${JSON.stringify(after1)}, after 1000 ${JSON.stringify(after)}`);
      rt.trim();
      expect(rt.stats()).toMatchObject({ liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0 });
    } finally {
      rt.destroy();
    }
  });
});

describe('resident inputs and outputs kept on the GPU', () => {
  it('1,000 runs with uploaded weights and a GPU output disposed each run end where one run ended; disposing the weights returns to zero', async () => {
    const rt = await createRuntime();
    try {
      const plan = compile(net, { dims: { B: 4 }, limits: rt.limits });
      const empty = rt.stats();
      const w = await rt.upload(new Float32Array(128).fill(0.25), [16, 8]);
      const b = await rt.upload(new Float32Array(8), [8]);
      const x = new Float32Array(64).fill(0.5);
      const once = async (): Promise<Float32Array | undefined> => {
        const { outputs, gpu } = await rt.run(plan, { x, w, b }, { outputs: { p: 'gpu' } });
        expect(outputs.s).toHaveLength(4);
        gpu!.p!.dispose();
        return outputs.s;
      };
      const first = await once();
      const after1 = rt.stats();
      // The weights are the only buffers in use between runs.
      expect(after1).toMatchObject({ liveBuffers: 2, liveBytes: (128 + 8) * 4, tensors: 2 });
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        if (i % 250 === 0) {
          const { gpu } = await rt.run(plan, { x, w, b }, { outputs: 'gpu' });
          expect(await gpu!.s!.read()).toEqual(first);
          for (const t of Object.values(gpu!)) t.dispose();
        }
        await once();
      }
      const ms = performance.now() - t0;
      expect(rt.stats()).toEqual(after1);
      console.log(`1000 resident runs: ${(ms / 1000).toFixed(2)} ms/run; stats ${JSON.stringify(after1)}`);
      w.dispose();
      b.dispose();
      rt.trim();
      // Everything but the compiled pipelines (kept for later runs) is as before the first upload.
      expect(rt.stats()).toEqual({ ...empty, pipelines: after1.pipelines });
      expect(rt.stats()).toMatchObject({ liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, tensors: 0 });
    } finally {
      rt.destroy();
    }
  });
});

describe('plan churn', () => {
  it('60 different plans through one runtime: pipelines stay within pipelineCacheSize, buffers within poolBytes', async () => {
    const CAP = 12;
    const POOL = 1 << 14;
    const rt = await createRuntime({ pipelineCacheSize: CAP, poolBytes: POOL });
    try {
      let maxPipelines = 0;
      let maxPooled = 0;
      let plans = 0;
      for (let i = 0; i < 15; i++) {
        // A new constant changes the WGSL (it is a literal), so every model is new pipelines.
        const m = model(`churn${i}`, { x: f32(['N']) }, ({ x }) => ({ y: x.mul(i + 1.5).exp(), s: x.add(i).sum() }));
        for (const strategy of STRATEGIES) {
          const N = 100 + 37 * i;
          const plan = compile(m, { dims: { N }, strategy, limits: rt.limits });
          const { outputs } = await rt.run(plan, { x: new Float32Array(N).fill(1) });
          expect(outputs.s![0]).toBeCloseTo(N * (1 + i), 0);
          const s = rt.stats();
          expect(s.liveBuffers).toBe(0);
          maxPipelines = Math.max(maxPipelines, s.pipelines);
          maxPooled = Math.max(maxPooled, s.pooledBytes);
          plans++;
        }
      }
      expect(plans).toBe(60);
      expect(maxPipelines).toBe(CAP);
      expect(maxPooled).toBeLessThanOrEqual(POOL);
      console.log(`churn: ${plans} plans, max ${maxPipelines} pipelines (cap ${CAP}), max pooled ${maxPooled} bytes (cap ${POOL})`);
    } finally {
      rt.destroy();
    }
  });

  it('the pipeline cache evicts the least recently used entry, keeping hot pipelines', async () => {
    const compiled: string[] = [];
    const device = fakeDevice(compiled);
    const cache = new PipelineCache(device, 2);
    const k = (src: string): KernelSpec => ({ label: src, wgsl: src, entryPoint: 'main', buffers: [0], writes: 1, dispatch: [1, 1, 1] });
    await cache.get(k('a'));
    await cache.get(k('b'));
    await cache.get(k('a')); // a is now the most recent
    await cache.get(k('c')); // evicts b
    await cache.get(k('a')); // hit
    await cache.get(k('b')); // recompiled, evicts c
    expect(compiled).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.size).toBe(2);
  });
});

/** Just enough of a GPUDevice for PipelineCache, recording which shaders it compiles. */
function fakeDevice(compiled: string[]): GPUDevice {
  const d = {
    pushErrorScope: () => {},
    popErrorScope: async () => null,
    createBindGroupLayout: () => ({}),
    createPipelineLayout: () => ({}),
    createShaderModule: (desc: { code: string }) => ({ code: desc.code }),
    createComputePipelineAsync: async (desc: { compute: { module: { code: string } } }) => {
      compiled.push(desc.compute.module.code);
      return {};
    },
  };
  return d as unknown as GPUDevice;
}
