/**
 * Node entry point: WebGPU from the `webgpu` package (Dawn). The package is imported dynamically
 * so that nothing reaching this module statically drags dawn.node into a browser bundle, and so a
 * missing Vulkan loader becomes a FuseplanError with install instructions instead of a crash at
 * import time.
 */
import { FuseplanError } from '../ir/errors.js';
import { noAdapterMessage } from './install-help.js';
import { openOnDevice, openRuntime } from './open.js';
import type { Runtime, RuntimeOptions } from './types.js';
import { acquireTimerWaiting } from './wait.js';

const DEFAULT_FLAGS = ['disable-dawn-features=timestamp_quantization'];

// One Dawn instance per distinct flag set: instance creation initialises Vulkan (slow), and an
// instance holds nothing that keeps the process alive once its devices are destroyed.
const instances = new Map<string, Promise<GPU>>();

function dawn(flags: readonly string[]): Promise<GPU> {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (gpu === undefined) {
    gpu = import('webgpu').then(
      (mod) => mod.create([...flags]),
      (e: unknown) => {
        throw new FuseplanError('device', noAdapterMessage('node', `loading the webgpu package failed: ${e instanceof Error ? e.message : String(e)}`));
      },
    );
    instances.set(key, gpu);
    gpu.catch(() => instances.delete(key));
  }
  return gpu;
}

export async function createNodeRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const wait = options.wait ?? 'timer';
  // Installed before requestAdapter: adapter and device requests are pending Dawn promises too.
  const release = wait === 'timer' ? acquireTimerWaiting() : () => {};
  try {
    if (options.device !== undefined) return openOnDevice(options.device, options, { backend: 'node', wait, onDestroy: release });
    const gpu = await dawn([...DEFAULT_FLAGS, ...(options.dawnFlags ?? [])]);
    return await openRuntime(gpu, options, { backend: 'node', wait, onDestroy: release });
  } catch (e) {
    release();
    throw e;
  }
}

export { createNodeRuntime as createRuntime };
