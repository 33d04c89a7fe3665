/**
 * TensorFlow.js's WebGPU backend (@tensorflow/tfjs-backend-webgpu, a devDependency) on the same
 * Dawn adapter, in the same process, as fuseplan's runtime.
 *
 * - tfjs looks for `navigator.gpu` (Node 20 has no navigator) and uses the GPUBufferUsage /
 *   GPUMapMode globals, which Dawn's Node binding only provides through its `globals` export. Both
 *   are installed here before tfjs is imported.
 * - By default tfjs runs on fuseplan's own GPUDevice (`runtime.device`): a backend registered as
 *   'webgpu-shared' wraps it in tfjs's WebGPUBackend, so both libraries use the same adapter,
 *   device and queue. `device: 'own'` lets tfjs request its own device from navigator.gpu instead
 *   (tfjs's stock 'webgpu' backend), still on the lavapipe adapter.
 * - Waiting: fuseplan's 'timer' wait mode wraps globalThis.setImmediate for the whole process, and
 *   tfjs's mapAsync / onSubmittedWorkDone promises are promises of the same Dawn binding, so they are
 *   polled through the same wrapper. Create the fuseplan runtime first; bench/harness.ts measures
 *   the JS thread's CPU time per backend to show that neither spins.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { create, globals } from 'webgpu';
import type { Runtime } from '../src/index.js';

export type Tf = typeof TF;

export interface TfjsSetup {
  readonly tf: Tf;
  /** The tfjs backend name in use. */
  readonly backend: string;
  /** How tfjs got its device, for reports. */
  readonly device: 'shared' | 'own';
  /** The adapter tfjs reports (vendor / architecture / description). */
  readonly adapter: string;
  /** tfjs's version string. */
  readonly version: string;
}

const DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization'];

/** Installs navigator.gpu and Dawn's globals, imports tfjs and selects its WebGPU backend. */
export async function setupTfjs(runtime: Runtime, opts: { device?: 'shared' | 'own' } = {}): Promise<TfjsSetup> {
  const mode = opts.device ?? 'shared';
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu === undefined) {
    const gpu = create(DAWN_FLAGS);
    Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
  }
  const tf = await import('@tensorflow/tfjs-core');
  const webgpu = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
    WebGPUBackend: new (device: GPUDevice, adapterInfo?: unknown) => TF.KernelBackend;
  };
  // tfjs-core's Node build prints a hint to install tfjs-node; keep the report clean.
  tf.env().set('IS_TEST', true);
  let backend = 'webgpu';
  if (mode === 'shared') {
    backend = 'webgpu-shared';
    const info = { vendor: runtime.adapterInfo.vendor, architecture: runtime.adapterInfo.architecture, description: runtime.adapterInfo.description, device: runtime.adapterInfo.device };
    tf.registerBackend(backend, () => new webgpu.WebGPUBackend(runtime.device, info), 1);
    // tfjs finds kernels by backend name: give the shared backend every kernel of 'webgpu'.
    for (const k of tf.getKernelsForBackend('webgpu')) tf.registerKernel({ ...k, backendName: backend });
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend '${backend}' failed to initialise`);
  await tf.ready();
  const be = tf.backend() as unknown as { device: GPUDevice; adapterInfo?: { vendor?: string; architecture?: string } };
  const adapter = mode === 'shared'
    ? adapterName(runtime.adapterInfo)
    : [be.adapterInfo?.vendor, be.adapterInfo?.architecture].filter(Boolean).join(' / ');
  if (mode === 'shared' && be.device !== runtime.device) throw new Error('tfjs: backend is not on the runtime device');
  return { tf, backend, device: mode, adapter, version: tf.version_core };
}

export const adapterName = (a: { vendor: string; architecture: string; device: string; description?: string }): string =>
  [a.vendor, a.architecture, a.device].filter(Boolean).join(' / ');

/** Frees tfjs's pooled GPU buffers (its backend never destroys the device it was given). */
export function teardownTfjs(s: TfjsSetup): void {
  s.tf.disposeVariables();
  s.tf.removeBackend(s.backend);
}

/** Dawn's GPUComputePassEncoder prototype, shared by every device of the binding (for counting dispatches). */
export const computePassPrototype = (globals as { GPUComputePassEncoder: { prototype: { dispatchWorkgroups: (...a: never[]) => unknown } } }).GPUComputePassEncoder.prototype;
