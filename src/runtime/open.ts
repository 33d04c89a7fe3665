/**
 * Adapter and device acquisition over any GPU object (Dawn's in Node, navigator.gpu in a
 * browser, a stub in tests).
 */
import { FuseplanError } from '../ir/errors.js';
import { noAdapterMessage } from './install-help.js';
import { effectiveLimits, pickFeatures, requiredLimits } from './limits.js';
import { GpuRuntime } from './runtime.js';
import type { AdapterSummary, Runtime, RuntimeOptions, WaitMode } from './types.js';

export interface OpenEnv {
  readonly backend: 'node' | 'browser';
  readonly wait: WaitMode | 'native';
  readonly onDestroy?: () => void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function checkCacheSize(cacheSize: number | undefined): void {
  if (cacheSize !== undefined && (!Number.isInteger(cacheSize) || cacheSize < 1)) {
    throw new FuseplanError('limit', `pipelineCacheSize must be a positive integer, got ${String(cacheSize)}`);
  }
}

/**
 * A runtime on a device the caller already has (shared with tfjs, onnxruntime-web or the page):
 * limits, features and adapter info come from the device, and destroy() leaves it alive.
 */
export function openOnDevice(device: GPUDevice, options: RuntimeOptions, env: OpenEnv): Runtime {
  checkCacheSize(options.pipelineCacheSize);
  if (typeof device !== 'object' || device === null || typeof device.createBuffer !== 'function' || typeof device.limits !== 'object') {
    throw new FuseplanError('device', `createRuntime({ device }) needs a GPUDevice, got ${device === null ? 'null' : typeof device}`);
  }
  // Overrides may only tighten what this device has; requiredLimits rejects looser ones.
  requiredLimits(device.limits, options.limits);
  return new GpuRuntime(device, {
    ...runtimeInit(device, options, env),
    adapterInfo: summarize((device as { adapterInfo?: GPUAdapterInfo }).adapterInfo),
    ownsDevice: false,
  });
}

function runtimeInit(device: GPUDevice, options: RuntimeOptions, env: OpenEnv) {
  return {
    backend: env.backend,
    wait: env.wait,
    limits: effectiveLimits(device.limits, options.limits),
    features: [...device.features].map(String).sort(),
    ...(env.onDestroy !== undefined ? { onDestroy: env.onDestroy } : {}),
    ...(options.poolBytes !== undefined ? { poolBytes: options.poolBytes } : {}),
    ...(options.pipelineCacheSize !== undefined ? { pipelineCacheSize: options.pipelineCacheSize } : {}),
  };
}

export async function openRuntime(gpu: GPU, options: RuntimeOptions, env: OpenEnv): Promise<Runtime> {
  checkCacheSize(options.pipelineCacheSize);
  const adapterOptions = options.adapter ?? (options.powerPreference !== undefined ? { powerPreference: options.powerPreference } : undefined);
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(adapterOptions);
  } catch (e) {
    throw new FuseplanError('device', noAdapterMessage(env.backend, `requestAdapter() failed: ${message(e)}`));
  }
  if (adapter === null) {
    throw new FuseplanError('device', noAdapterMessage(env.backend, 'requestAdapter() returned null'));
  }
  const requiredFeatures = pickFeatures(adapter.features, options.disableFeatures);
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: 'fuseplan',
      requiredFeatures,
      requiredLimits: requiredLimits(adapter.limits, options.limits),
    });
  } catch (e) {
    if (e instanceof FuseplanError) throw e;
    throw new FuseplanError('device', `requestDevice() failed on ${summarize(adapter.info).description || 'the adapter'}: ${message(e)}`);
  }
  return new GpuRuntime(device, { ...runtimeInit(device, options, env), adapterInfo: summarize(adapter.info) });
}

/** GPUAdapterInfo's fields are prototype getters; copy them into a plain, serializable object. */
function summarize(info: GPUAdapterInfo | undefined): AdapterSummary {
  const i = (info ?? {}) as Partial<Record<string, unknown>>;
  const str = (k: string): string => (typeof i[k] === 'string' ? (i[k] as string) : '');
  const out: { -readonly [K in keyof AdapterSummary]: AdapterSummary[K] } = {
    vendor: str('vendor'),
    architecture: str('architecture'),
    device: str('device'),
    description: str('description'),
  };
  if (typeof i.subgroupMinSize === 'number' && i.subgroupMinSize > 0) out.subgroupMinSize = i.subgroupMinSize;
  if (typeof i.subgroupMaxSize === 'number' && i.subgroupMaxSize > 0) out.subgroupMaxSize = i.subgroupMaxSize;
  return Object.freeze(out);
}
