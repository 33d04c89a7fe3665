/**
 * Runs for real on the machine's WebGPU adapter (lavapipe in CI). No adapter is a failure, not a
 * skip: createRuntime throws and every test fails with the install instructions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuseplanError } from '../../src/ir/errors.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import type { Executable } from '../../src/codegen/kernel.js';
import { AXPC_WGSL, axpc, cValues, chain, ramp } from './kernels.js';

let rt: Runtime;

beforeAll(async () => {
  rt = await createRuntime();
});

afterAll(() => {
  rt?.destroy();
});

async function rejection(p: Promise<unknown>): Promise<FuseplanError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FuseplanError);
    return e as FuseplanError;
  }
  throw new Error('expected a rejection');
}

describe('device', () => {
  it('exposes serializable limits with the adapter value for storage buffers', () => {
    expect(rt.backend).toBe('node');
    expect(rt.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(rt.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(rt.limits))).toEqual(rt.limits);
    expect(Object.keys(rt.limits).length).toBeGreaterThanOrEqual(7);
    expect(typeof rt.adapterInfo.vendor).toBe('string');
    expect(JSON.parse(JSON.stringify(rt.adapterInfo))).toEqual(rt.adapterInfo);
    expect(Array.isArray(rt.features)).toBe(true);
    // On lavapipe the adapter allows 16; the runtime must have asked for it rather than the default 8.
    if (rt.adapterInfo.device.includes('llvmpipe')) {
      expect(rt.limits.maxStorageBuffersPerShaderStage).toBe(16);
      expect(rt.features).toContain('timestamp-query');
    }
  });
});

describe('execute', () => {
  it('computes y = a * 2 + c with a const buffer and a uniform', async () => {
    const n = 1000;
    const a = ramp(n);
    const { outputs, timings } = await rt.execute(axpc(n), { a });
    const c = cValues(n);
    expect(timings).toBeUndefined();
    expect(Object.keys(outputs)).toEqual(['y']);
    const y = outputs.y!;
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(n);
    for (let i = 0; i < n; i++) expect(y[i]).toBe(Math.fround(a[i]! * 2 + c[i]!));
  });

  it('chains kernels through an intermediate in one submit', async () => {
    const n = 300;
    const { outputs } = await rt.execute(chain(n), { a: ramp(n) });
    for (let i = 0; i < n; i++) {
      expect(outputs.t![i]).toBe((i - 3) * 2 + i * 0.5);
      expect(outputs.y![i]).toBe((i - 3) * 2 + i * 0.5 + 1);
    }
  });

  it('runs concurrent executes independently', async () => {
    const sizes = [10, 200, 3000];
    const results = await Promise.all(sizes.map((n) => rt.execute(chain(n), { a: ramp(n).subarray(0) })));
    results.forEach((r, j) => {
      const n = sizes[j]!;
      expect(r.outputs.y!.length).toBe(n);
      expect(r.outputs.y![n - 1]).toBe((n - 4) * 2 + (n - 1) * 0.5 + 1);
    });
  });

  it('handles sizes that are not a multiple of the workgroup or of 4 bytes', async () => {
    const exe: Executable = { ...axpc(5), buffers: axpc(5).buffers.map((b) => (b.kind === 'output' ? { ...b, bytes: 18 } : b)) };
    const { outputs } = await rt.execute(exe, { a: ramp(5) });
    expect([...outputs.y!]).toEqual([-6, -3.5, -1, 1.5, 4]);
  });
});

describe('input validation', () => {
  const exe = axpc(8);
  const cases: [string, Record<string, unknown>, RegExp[]][] = [
    ['missing', {}, [/missing input "a"/, /8 elements/]],
    ['wrong length', { a: new Float32Array(7) }, [/"a"/, /expected 8/, /got 7/]],
    ['wrong type', { a: new Float64Array(8) }, [/"a"/, /Float32Array/, /got Float64Array/]],
    ['plain array', { a: [1, 2, 3, 4, 5, 6, 7, 8] }, [/"a"/, /got Array\(8\)/]],
    ['unknown name', { a: new Float32Array(8), b: new Float32Array(8) }, [/unknown input "b"/, /expected inputs: a/]],
  ];
  for (const [name, inputs, patterns] of cases) {
    it(`rejects ${name} inputs with FuseplanError('input')`, async () => {
      const before = rt.stats().liveBuffers;
      const err = await rejection(rt.execute(exe, inputs as Record<string, Float32Array>));
      expect(err.code).toBe('input');
      for (const p of patterns) expect(err.message).toMatch(p);
      expect(rt.stats().liveBuffers).toBe(before);
    });
  }
});

describe('poison', () => {
  it('fills unwritten output elements with NaN, and leaves them 0 without poison', async () => {
    const exe = axpc(256, { written: 100 });
    const a = ramp(256);
    const plain = (await rt.execute(exe, { a })).outputs.y!;
    const poisoned = (await rt.execute(exe, { a }, { poison: true })).outputs.y!;
    expect(plain[99]).toBe(96 * 2 + 99 * 0.5);
    expect(poisoned[99]).toBe(plain[99]);
    expect(plain[100]).toBe(0);
    for (let i = 100; i < 256; i++) expect(Number.isNaN(poisoned[i])).toBe(true);
    const bits = new Uint32Array(poisoned.buffer, poisoned.byteOffset, poisoned.length);
    expect(bits[200]).toBe(0x7fc00000);
  });

  it('poisons intermediates but never inputs or constants', async () => {
    const n = 64;
    const { outputs } = await rt.execute(chain(n), { a: ramp(n) }, { poison: true });
    expect(outputs.y!.some(Number.isNaN)).toBe(false);
    expect(outputs.t![10]).toBe(7 * 2 + 5);
  });
});

describe('pipeline cache and buffer lifetime', () => {
  it('reuses pipelines for identical WGSL', async () => {
    const exe = axpc(64);
    await rt.execute(exe, { a: ramp(64) });
    const after1 = rt.stats().pipelines;
    await rt.execute(exe, { a: ramp(64) });
    // A different executable (other size, other label) with the same WGSL shares the pipeline.
    await rt.execute(axpc(128, { label: 'k9 same wgsl' }), { a: ramp(128) });
    expect(rt.stats().pipelines).toBe(after1);
    // Different source (even only a comment) is a different pipeline.
    await rt.execute(axpc(64, { wgsl: `${AXPC_WGSL}\n// variant` }), { a: ramp(64) });
    expect(rt.stats().pipelines).toBe(after1 + 1);
  });

  it('returns live buffers to the baseline after runs', async () => {
    const base = rt.stats();
    for (let i = 0; i < 3; i++) await rt.execute(chain(1024), { a: ramp(1024) }, { poison: true, profile: true });
    expect(rt.stats().liveBuffers).toBe(base.liveBuffers);
    expect(rt.stats().liveBytes).toBe(base.liveBytes);
  });

  it('reports a WGSL compile error naming the kernel, then keeps working', async () => {
    const base = rt.stats();
    const broken = axpc(16, { label: 'k7 broken', wgsl: 'fn main( {' });
    const err = await rejection(rt.execute(broken, { a: ramp(16) }));
    expect(err.code).toBe('device');
    expect(err.message).toContain('k7 broken');
    expect(err.message).toMatch(/WGSL|parse|expected/i);
    expect(rt.stats()).toEqual(base);
    // Not cached: it fails the same way again.
    const again = await rejection(rt.execute(broken, { a: ramp(16) }));
    expect(again.message).toContain('k7 broken');
    const { outputs } = await rt.execute(axpc(16), { a: ramp(16) });
    expect(outputs.y![4]).toBe(1 * 2 + 2);
  });

  it('reports a binding mismatch as a device error naming the kernel', async () => {
    // The WGSL declares binding 0 read-only but the spec says every binding is written.
    const exe = axpc(16, { label: 'k8 mismatch' });
    const wrong: Executable = { ...exe, kernels: exe.kernels.map((k) => ({ ...k, writes: 3, buffers: [0, 3, 2] })), buffers: [...exe.buffers.filter((b) => b.kind !== 'const'), { id: 3, bytes: 64, kind: 'scratch', label: 's' }] };
    const err = await rejection(rt.execute(wrong, { a: ramp(16) }));
    expect(err.code).toBe('device');
    expect(err.message).toContain('k8 mismatch');
  });

  it('cleans up after a run that fails on the device, and keeps working', async () => {
    // The shader needs 32 bytes of uniforms but gets 16: validation fails at dispatch time, after
    // every buffer has been allocated.
    const wgsl = AXPC_BIG_UNIFORM;
    const exe = axpc(16, { label: 'k5 short uniforms', wgsl });
    const base = rt.stats();
    const err = await rejection(rt.execute(exe, { a: ramp(16) }));
    expect(err.code).toBe('device');
    expect(err.message).toContain('k5 short uniforms');
    expect(rt.stats().liveBuffers).toBe(base.liveBuffers);
    expect(rt.stats().liveBytes).toBe(base.liveBytes);
    const { outputs } = await rt.execute(axpc(16), { a: ramp(16) });
    expect(outputs.y![0]).toBe(-6);
  });
});

describe('limits', () => {
  it('rejects a kernel binding more storage buffers than the device allows', async () => {
    const max = rt.limits.maxStorageBuffersPerShaderStage;
    const exe = axpc(4);
    const many: Executable = { ...exe, kernels: exe.kernels.map((k) => ({ ...k, buffers: [...Array(max).fill(0), 1, 2], writes: 1 })) };
    const err = await rejection(rt.execute(many, { a: ramp(4) }));
    expect(err.code).toBe('limit');
    expect(err.message).toContain('k0 axpc');
  });
});

describe('profile', () => {
  it('returns one GPU timing per kernel', async () => {
    const exe = chain(4096);
    const { outputs, timings } = await rt.execute(exe, { a: ramp(4096) }, { profile: true });
    expect(outputs.y![3]).toBe(0 * 2 + 1.5 + 1);
    if (!rt.features.includes('timestamp-query')) {
      expect(timings).toBeUndefined();
      return;
    }
    expect(timings).toHaveLength(2);
    expect(timings!.map((t) => t.label)).toEqual(['k0 axpc', 'k1 add1']);
    expect(timings!.map((t) => t.op)).toEqual(['op0', 'op1']);
    for (const t of timings!) {
      expect(Number.isFinite(t.ms)).toBe(true);
      expect(t.ms).toBeGreaterThanOrEqual(0);
      expect(t.ms).toBeLessThan(10_000);
    }
  });
});

const AXPC_BIG_UNIFORM = /* wgsl */ `
struct U { n: u32, pad: vec3u, more: vec4u }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i < u.n + u.more.x) { out[i] = a[i] * 2.0 + c[i]; }
}
`;
