/**
 * Browser entry point: navigator.gpu only, no Dawn and no Node API, so a bundle that imports this
 * module (and not ./node.js or ./index.js) never sees the `webgpu` package. Browsers wait on GPU
 * promises through their own event loop, so there is no wait option here.
 */
import { FuseplanError } from '../ir/errors.js';
import { noAdapterMessage } from './install-help.js';
import { openOnDevice, openRuntime } from './open.js';
import type { Runtime, RuntimeOptions } from './types.js';

export async function createBrowserRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  if (options.device !== undefined) return openOnDevice(options.device, options, { backend: 'browser', wait: 'native' });
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined || gpu === null) {
    throw new FuseplanError('device', noAdapterMessage('browser', 'navigator.gpu is not available'));
  }
  return openRuntime(gpu, options, { backend: 'browser', wait: 'native' });
}

export { createBrowserRuntime as createRuntime };
export * from './types.js';
export { GpuTensor } from './tensor.js';
export { WEBGPU_DEFAULT_LIMITS } from '../ir/limits.js';
