/**
 * The runtime's public surface. createRuntime picks the backend: Node's `webgpu` package when
 * running under Node, navigator.gpu otherwise. Browser bundles should import ./browser.js, which
 * has no path to the Node backend at all; here the Node module is only reached by dynamic import.
 */
import { createBrowserRuntime } from './browser.js';
import type { Runtime, RuntimeOptions } from './types.js';

const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const backend = options.backend ?? 'auto';
  if (backend === 'browser' || (backend === 'auto' && !isNode())) return createBrowserRuntime(options);
  const { createNodeRuntime } = await import('./node.js');
  return createNodeRuntime(options);
}

export * from './types.js';
export { GpuTensor } from './tensor.js';
export { WEBGPU_DEFAULT_LIMITS, LIMIT_NAMES } from '../ir/limits.js';
export { POISON_BITS } from './execute.js';
export { validateExecutable, validateInputs } from './validate.js';
export { createBrowserRuntime };
