/**
 * onnxruntime-web's WebGPU execution provider in Node, on Dawn's adapter (lavapipe here), for the
 * peer comparison. onnxruntime-web is optional for the bench (`npm install --no-save
 * onnxruntime-web`); without it `setupOrt` says how to get it.
 *
 * Two shims make its browser build run on Dawn's Node binding (found with onnxruntime-web 1.23):
 * - it iterates `adapter.features` / `device.features` with forEach, which the binding's set-like
 *   objects lack: both are replaced by real Sets on the instances;
 * - it writes buffers from views of its shared WebAssembly memory, which the binding rejects
 *   ("Invalid argument"): queue.writeBuffer copies such data first (one extra copy per upload,
 *   which the end-to-end timing includes and the resident timing does not).
 */
import { create, globals } from 'webgpu';

export interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
}
export interface Ort {
  readonly InferenceSession: { create(model: Uint8Array, opts: object): Promise<OrtSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  readonly env: { wasm: { numThreads: number }; versions?: Record<string, string> };
}

type Featured = { features: Iterable<string> };
const realSet = <T extends Featured>(o: T): T => Object.defineProperty(o, 'features', { value: new Set(o.features), configurable: true });

function copyingWriteBuffer(device: GPUDevice): void {
  const q = device.queue;
  const write = q.writeBuffer.bind(q);
  Object.defineProperty(q, 'writeBuffer', {
    value: (buf: GPUBuffer, offset: number, data: ArrayBufferView, dataOffset = 0, size?: number) => {
      const el = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const start = dataOffset * el;
      const end = size === undefined ? bytes.byteLength : start + size * el;
      write(buf, offset, bytes.slice(start, end));
    },
  });
}

/** navigator.gpu over Dawn with the shims above, installed before onnxruntime-web is imported. */
function installNavigator(): void {
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = create(['disable-dawn-features=timestamp_quantization']);
  const requestAdapter = async (opts?: GPURequestAdapterOptions): Promise<GPUAdapter | null> => {
    const adapter = await gpu.requestAdapter(opts);
    if (adapter === null) return null;
    realSet(adapter);
    const requestDevice = adapter.requestDevice.bind(adapter);
    Object.defineProperty(adapter, 'requestDevice', {
      value: async (d?: GPUDeviceDescriptor) => {
        const device = realSet(await requestDevice(d));
        copyingWriteBuffer(device);
        return device;
      },
    });
    return adapter;
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter, getPreferredCanvasFormat: () => 'rgba8unorm', wgslLanguageFeatures: new Set() } }, configurable: true });
}

export async function setupOrt(): Promise<Ort> {
  installNavigator();
  const name = 'onnxruntime-web/webgpu';
  try {
    const ort = (await import(name)) as Ort;
    ort.env.wasm.numThreads = 1;
    return ort;
  } catch (e) {
    throw new Error(`onnxruntime-web is not installed (npm install --no-save onnxruntime-web): ${(e as Error).message}`);
  }
}
