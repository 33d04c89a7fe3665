/**
 * Bring your own device: a runtime over a GPUDevice the caller created (as a page sharing one
 * with tfjs or onnxruntime-web would) reads its limits and features from that device and, when
 * destroyed, frees its own buffers but leaves the device working.
 */
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { compile } from '../../src/api/compile.js';
import { f32, model } from '../../src/dsl/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { BufferUsage, MapMode } from '../../src/runtime/usage.js';

const m = model('m', { x: f32(['N']) }, ({ x }) => ({ y: x.exp().add(1), s: x.sum() }));

// Dawn stops answering a device's promises once its GPU instance is garbage collected, so the
// caller that owns the device keeps the instance (as a page keeps navigator.gpu).
const instance = create([]);

async function ownDevice(): Promise<GPUDevice> {
  const adapter = await instance.requestAdapter();
  if (adapter === null) throw new Error('no WebGPU adapter (see docs/runtime.md for what to install)');
  // Default limits on purpose: the runtime must report these, not the adapter's larger ones.
  return adapter.requestDevice({ label: 'the page' });
}

/** Uses the device with no fuseplan involved: a buffer written, copied and read back. */
async function deviceStillWorks(device: GPUDevice): Promise<number[]> {
  const src = device.createBuffer({ size: 16, usage: BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
  const dst = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  device.queue.writeBuffer(src, 0, Float32Array.from([1, 2, 3, 4]));
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, dst, 0, 16);
  device.queue.submit([enc.finish()]);
  await dst.mapAsync(MapMode.READ);
  const out = Array.from(new Float32Array(dst.getMappedRange().slice(0)));
  dst.unmap();
  src.destroy();
  dst.destroy();
  return out;
}

describe('createRuntime({ device })', () => {
  it('runs on the given device with its limits, and destroy() leaves the device alive', async () => {
    const device = await ownDevice();
    try {
      const rt = await createRuntime({ device });
      expect(rt.device).toBe(device);
      expect(rt.limits.maxStorageBuffersPerShaderStage).toBe(device.limits.maxStorageBuffersPerShaderStage);
      expect(rt.limits.maxBufferSize).toBe(device.limits.maxBufferSize);
      const plan = compile(m, { dims: { N: 4 }, limits: rt.limits });
      const kept = await rt.upload(new Float32Array(4), [4]);
      const { outputs, gpu } = await rt.run(plan, { x: kept }, { outputs: { s: 'gpu' } });
      expect(Array.from(outputs.y!)).toEqual([2, 2, 2, 2]);
      rt.destroy();
      expect(rt.destroyed).toBe(true);
      expect(kept.disposed).toBe(true);
      expect(gpu!.s!.disposed).toBe(true);
      expect(await deviceStillWorks(device)).toEqual([1, 2, 3, 4]);
      // A second runtime can share the same device afterwards.
      const again = await createRuntime({ device });
      expect(Array.from((await again.run(plan, { x: Float32Array.from([0, 0, 0, 0]) })).outputs.s!)).toEqual([0]);
      again.destroy();
      expect(await deviceStillWorks(device)).toEqual([1, 2, 3, 4]);
    } finally {
      device.destroy();
    }
  });

  it('rejects limits looser than the given device and something that is not a device', async () => {
    const device = await ownDevice();
    try {
      const over = device.limits.maxStorageBuffersPerShaderStage + 1;
      await expect(createRuntime({ device, limits: { maxStorageBuffersPerShaderStage: over } })).rejects.toMatchObject({ code: 'limit' });
      await expect(createRuntime({ device: {} as GPUDevice })).rejects.toMatchObject({ code: 'device' });
    } finally {
      device.destroy();
    }
  });
});
