/**
 * compile()'s profile when none is passed: the runtime's stored calibration (through the lookup the
 * Node entry installs), else the generic profile for its kind of adapter (lavapipe's constants
 * only on CPU adapters), else with no runtime the generic GPU profile; explain says which and how
 * to calibrate. Runtimes here are plain objects with limits and adapterInfo, except the last test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { useCalibrationStore, type PlanTarget } from '../../src/api/profile-choice.js';
import { saveProfile } from '../../src/calibrate/profile-store.js';
import { DEFAULT_PROFILE, GENERIC_GPU_PROFILE, isCpuAdapter, type DeviceProfile } from '../../src/cost/profile.js';
import { f32, model, softmax } from '../../src/dsl/index.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import { createRuntime } from '../../src/runtime/index.js';

const net = model('net', { x: f32([64, 32]), w: f32([32, 16]) }, ({ x, w }) => ({ p: softmax(x.matmul(w).relu()) }));
const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'llvmpipe: Mesa 25.0.7' };
const discrete = { vendor: 'nvidia', architecture: 'ampere', device: 'RTX 3060', description: 'NVIDIA 550.1' };
const target = (adapterInfo: PlanTarget['adapterInfo'], storage = 10): PlanTarget => ({
  limits: { ...WEBGPU_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: storage },
  adapterInfo,
});
const measured: DeviceProfile = { ...DEFAULT_PROFILE, source: 'calibrated on the test adapter', launchMs: 0.02 };

afterEach(() => useCalibrationStore(null));

describe('compile() profile default', () => {
  it('with no runtime: the generic GPU profile and the WebGPU default limits; explain says how to calibrate', () => {
    const c = compile(net);
    expect(c.profile).toBe(GENERIC_GPU_PROFILE);
    expect(c.limits).toBe(WEBGPU_DEFAULT_LIMITS);
    expect(c.explain()).toMatch(/cost profile: generic GPU \(uncalibrated\) \(no runtime given.*fuseplan calibrate/);
  });

  it("with a runtime: its limits, and the generic profile for its kind of adapter when it has no calibration", () => {
    expect(isCpuAdapter(lavapipe)).toBe(true);
    expect(isCpuAdapter(discrete)).toBe(false);
    const onCpu = compile(net, { runtime: target(lavapipe, 12) });
    expect(onCpu.profile).toBe(DEFAULT_PROFILE);
    expect(onCpu.limits.maxStorageBuffersPerShaderStage).toBe(12);
    expect(onCpu.explain()).toMatch(/cost profile: default \(lavapipe, 2 cores\) \(uncalibrated on mesa llvmpipe.*`fuseplan calibrate`/);
    const onGpu = compile(net, { runtime: target(discrete) });
    expect(onGpu.profile).toBe(GENERIC_GPU_PROFILE);
    expect(JSON.parse(onGpu.explain('json'))).toMatchObject({ profile: GENERIC_GPU_PROFILE.source, profileChoice: expect.stringContaining('uncalibrated on nvidia RTX 3060') });
    // The two profiles plan differently: kernel parameters differ (one lane per row on lavapipe).
    expect(onCpu.explain('wgsl')).not.toBe(onGpu.explain('wgsl'));
  });

  it("the adapter's stored calibration wins over the generic profile; given profile and limits win over the runtime's", () => {
    useCalibrationStore((a) => (a.device === discrete.device ? measured : null));
    const c = compile(net, { runtime: target(discrete) });
    expect(c.profile).toBe(measured);
    expect(c.profileChoice).toBe("the adapter's stored calibration");
    expect(c.explain()).not.toMatch(/fuseplan calibrate/);
    expect(compile(net, { runtime: target(lavapipe) }).profile).toBe(DEFAULT_PROFILE);
    const given = compile(net, { runtime: target(discrete), profile: GENERIC_GPU_PROFILE, limits: WEBGPU_DEFAULT_LIMITS });
    expect(given.profile).toBe(GENERIC_GPU_PROFILE);
    expect(given.limits).toBe(WEBGPU_DEFAULT_LIMITS);
    expect(() => compile(net, { runtime: 'gpu' as unknown as PlanTarget })).toThrow(/runtime must be a runtime/);
  });

  it('the Node entry reads calibrations from the profile store ($FUSEPLAN_CACHE_DIR)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuseplan-choice-'));
    const saved = process.env.FUSEPLAN_CACHE_DIR;
    process.env.FUSEPLAN_CACHE_DIR = dir;
    try {
      saveProfile({ adapter: discrete, createdAt: new Date().toISOString(), profile: measured });
      const entry = await import('../../src/index.js');
      expect(entry.compile(net, { runtime: target(discrete) }).profile).toMatchObject({ source: measured.source, launchMs: 0.02 });
      expect(entry.compile(net, { runtime: target(lavapipe) }).profile).toBe(DEFAULT_PROFILE);
    } finally {
      if (saved === undefined) delete process.env.FUSEPLAN_CACHE_DIR;
      else process.env.FUSEPLAN_CACHE_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on this machine (lavapipe, uncalibrated store): compile({ runtime }) plans with lavapipe constants and the device limits', async () => {
    useCalibrationStore(() => null);
    const rt = await createRuntime();
    try {
      const c = compile(net, { runtime: rt });
      expect(c.limits).toBe(rt.limits);
      expect(c.profile).toBe(isCpuAdapter(rt.adapterInfo) ? DEFAULT_PROFILE : GENERIC_GPU_PROFILE);
      const x = new Float32Array(64 * 32).fill(0.1);
      const { outputs } = await rt.run(c, { x, w: new Float32Array(32 * 16).fill(0.1) });
      expect(outputs.p![0]).toBeCloseTo(1 / 16, 5);
    } finally {
      rt.destroy();
    }
  });
});
