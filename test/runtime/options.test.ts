/**
 * Runtime acquisition paths other than the default: tightened limits, the browser entry point
 * (driven here by Dawn's GPU object posing as navigator.gpu), a missing adapter, and the
 * setImmediate wrapper's lifecycle. Each test owns its runtime.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FuseplanError } from '../../src/ir/errors.js';
import { createBrowserRuntime, createRuntime, type Runtime } from '../../src/runtime/index.js';
import { openRuntime } from '../../src/runtime/open.js';
import { nodeInstallHelp } from '../../src/runtime/install-help.js';
import { timerWaitingActive } from '../../src/runtime/wait.js';
import { axpc, ramp } from './kernels.js';

const originalSetImmediate = globalThis.setImmediate;
const opened: Runtime[] = [];
afterEach(() => {
  for (const rt of opened.splice(0)) rt.destroy();
});

async function open(...args: Parameters<typeof createRuntime>): Promise<Runtime> {
  const rt = await createRuntime(...args);
  opened.push(rt);
  return rt;
}

describe('limits option', () => {
  it('reports and enforces tighter limits than the device has', async () => {
    const rt = await open({ limits: { maxStorageBuffersPerShaderStage: 2 } });
    expect(rt.limits.maxStorageBuffersPerShaderStage).toBe(2);
    await expect(rt.execute(axpc(8), { a: ramp(8) })).rejects.toMatchObject({ code: 'limit' });
  });

  it('refuses limits beyond the adapter', async () => {
    await expect(createRuntime({ limits: { maxStorageBuffersPerShaderStage: 1_000_000 } })).rejects.toMatchObject({ code: 'limit' });
    expect(timerWaitingActive()).toBe(false);
  });
});

describe('browser entry point', () => {
  it('runs through navigator.gpu alone', async () => {
    const { create } = await import('webgpu');
    const g = globalThis as { navigator?: unknown };
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    try {
      const rt = await createRuntime({ backend: 'browser' });
      opened.push(rt);
      expect(rt.backend).toBe('browser');
      expect(rt.wait).toBe('native');
      const { outputs } = await rt.execute(axpc(8), { a: ramp(8) });
      expect(outputs.y![3]).toBe(0 + 1.5);
    } finally {
      if (saved !== undefined) Object.defineProperty(globalThis, 'navigator', saved);
      else delete g.navigator;
    }
  });

  it('without navigator.gpu throws a device error saying what is needed', async () => {
    const err = await createBrowserRuntime().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FuseplanError);
    expect((err as FuseplanError).code).toBe('device');
    expect((err as FuseplanError).message).toMatch(/navigator\.gpu/);
    expect((err as FuseplanError).message).toMatch(/WebGPU/);
  });
});

describe('no adapter', () => {
  it('throws FuseplanError(device) with install instructions', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const err = (await openRuntime(gpu, {}, { backend: 'node', wait: 'spin' }).catch((e: unknown) => e)) as FuseplanError;
    expect(err).toBeInstanceOf(FuseplanError);
    expect(err.code).toBe('device');
    expect(err.message).toMatch(/no WebGPU adapter/);
    if (process.platform === 'linux') {
      expect(err.message).toContain('bookworm-backports');
      expect(err.message).toContain('apt-get install -y -t bookworm-backports mesa-vulkan-drivers');
      expect(err.message).toContain('libvulkan1');
    }
    expect(nodeInstallHelp('darwin')).toMatch(/npm ci/);
    expect(nodeInstallHelp('win32')).toMatch(/npm ci/);
  });
});

describe('waiting', () => {
  it("'timer' wraps setImmediate while a runtime lives and restores it after the last destroy", async () => {
    expect(globalThis.setImmediate).toBe(originalSetImmediate);
    const a = await createRuntime();
    const b = await createRuntime();
    expect(a.wait).toBe('timer');
    expect(timerWaitingActive()).toBe(true);
    expect(globalThis.setImmediate).not.toBe(originalSetImmediate);
    // Dawn's poll callbacks are native functions; a bound function is the JS stand-in for one.
    const native = (() => {}).bind(null);
    const handle = setImmediate(native);
    expect((handle as object).constructor.name).toBe('Timeout');
    clearImmediate(handle);
    const js = setImmediate(() => {});
    expect((js as object).constructor.name).toBe('Immediate');
    clearImmediate(js);
    const { promisify } = await import('node:util');
    await promisify(setImmediate)();
    await a.execute(axpc(8), { a: ramp(8) });
    a.destroy();
    expect(timerWaitingActive()).toBe(true);
    b.destroy();
    b.destroy();
    expect(timerWaitingActive()).toBe(false);
    expect(globalThis.setImmediate).toBe(originalSetImmediate);
  });

  it("'spin' leaves setImmediate alone", async () => {
    const rt = await open({ wait: 'spin' });
    expect(rt.wait).toBe('spin');
    expect(globalThis.setImmediate).toBe(originalSetImmediate);
    const { outputs } = await rt.execute(axpc(8), { a: ramp(8) });
    expect(outputs.y![0]).toBe(-6);
  });

  it('a destroyed runtime refuses work', async () => {
    const rt = await createRuntime();
    rt.destroy();
    expect(rt.destroyed).toBe(true);
    await expect(rt.execute(axpc(8), { a: ramp(8) })).rejects.toMatchObject({ code: 'device' });
  });
});
