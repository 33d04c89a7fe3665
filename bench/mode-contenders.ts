/**
 * The contenders of the timing modes of issue #12, one object per library and plan, each able to
 * run a workload the way its users would time it:
 *   (a) resident: inputs already on the GPU, kernels, wait for completion; nothing uploaded or read;
 *   (b) readback: resident inputs, kernels, every output read back to the host;
 *   (c) end to end: host inputs uploaded, kernels, every output read back.
 * Outputs that (a) leaves on the GPU are freed in the timed region, as a loop of runs must; they are
 * read back only by `checkResident`, outside any timing, for the correctness check.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { compile, type CompiledModel, type Dims, type GpuTensor, type ModelIR, type Runtime } from '../src/index.js';
import type { Strategy } from '../src/api/compile.js';
import { BufferUsage, roundUp } from '../src/runtime/usage.js';
import type { Outputs } from './harness.js';
import { onnxWorkload } from './ort-workloads.js';
import type { Ort, OrtSession } from './ort.js';
import type { TfjsSetup } from './tfjs.js';
import type { TfProgram } from './workloads.js';

export type Mode = 'a' | 'b' | 'c';
export const MODES: readonly Mode[] = ['a', 'b', 'c'];
export const MODE_TITLES: Readonly<Record<Mode, string>> = {
  a: '(a) resident inputs + kernels + completion (no upload, no readback)',
  b: '(b) resident inputs + kernels + readback of every output',
  c: '(c) end to end: upload + kernels + readback',
};

export interface ModeContender {
  readonly name: string;
  /** One run in the given mode; (b) and (c) return the outputs read back, (a) returns {}. */
  run(mode: Mode): Promise<Outputs>;
  /** A mode (a) run whose GPU outputs are then read back, untimed: the check of what (a) computes. */
  checkResident(): Promise<Outputs>;
  dispose(): void;
}

/** What every contender of one workload shares. */
export interface WorkloadInputs {
  readonly ir: ModelIR;
  readonly dims: Dims;
  readonly feeds: Readonly<Record<string, Float32Array>>;
  /** Concrete shape of every input and output, by name. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

const f32 = (x: ArrayLike<number>): Float32Array => (x instanceof Float32Array ? x : Float32Array.from(x));

/**
 * fuseplan through its public API: inputs uploaded once as GpuTensors (`runtime.upload`); (a) keeps
 * the outputs on the GPU (`outputs: 'gpu'`, which returns once the GPU is done) and disposes them.
 * A kept output owns its buffer, so each (a) run takes a fresh output buffer instead of a pooled one.
 */
export async function fuseplanModes(rt: Runtime, w: WorkloadInputs, strategy: Strategy): Promise<ModeContender & { readonly compiled: CompiledModel; readonly resident: Readonly<Record<string, GpuTensor>> }> {
  const compiled = compile(w.ir, { dims: w.dims, strategy, runtime: rt });
  const resident: Record<string, GpuTensor> = {};
  for (const i of w.ir.inputs) resident[i.name] = await rt.upload(w.feeds[i.name]!, w.shapes[i.name]);
  const keep = async (): Promise<Record<string, GpuTensor>> => (await rt.run(compiled, resident, { outputs: 'gpu' })).gpu ?? {};
  return {
    name: strategy,
    compiled,
    resident,
    async run(mode) {
      if (mode === 'a') {
        for (const t of Object.values(await keep())) t.dispose();
        return {};
      }
      return (await rt.run(compiled, mode === 'b' ? resident : w.feeds)).outputs;
    },
    async checkResident() {
      const kept = await keep();
      const out: Outputs = {};
      for (const [name, t] of Object.entries(kept)) {
        out[name] = await t.read();
        t.dispose();
      }
      return out;
    },
    dispose: () => Object.values(resident).forEach((t) => t.dispose()),
  };
}

/** The parts of tfjs's WebGPU backend that its own readback uses to flush recorded work. */
interface TfWebgpuBackend {
  readonly queue: GPUQueue;
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/**
 * TensorFlow.js's WebGPU backend. Resident inputs are tf tensors made once (tfjs uploads them on
 * first use, in the warm-up). tfjs has no public "wait for the GPU" call without reading data, so
 * (a) does what its own `data()` does before mapping: end the open compute pass, submit the
 * recorded command encoder (`submitQueue`), then awaits `queue.onSubmittedWorkDone()`.
 */
export function tfjsModes(s: TfjsSetup, program: TfProgram, w: WorkloadInputs): ModeContender {
  const { tf } = s;
  const be = tf.backend() as unknown as TfWebgpuBackend;
  const make = (): Record<string, TF.Tensor> => Object.fromEntries(w.ir.inputs.map((i) => [i.name, tf.tensor(w.feeds[i.name]!, [...w.shapes[i.name]!], 'float32')]));
  const resident = make();
  const complete = async (): Promise<void> => {
    be.endComputePassEncoder();
    if (be.commandEncoder !== null && be.commandEncoder !== undefined) be.submitQueue();
    await be.queue.onSubmittedWorkDone();
  };
  const readAll = async (outs: Record<string, TF.Tensor>): Promise<Outputs> => {
    const names = Object.keys(outs);
    const data = await Promise.all(names.map((n) => outs[n]!.data()));
    return Object.fromEntries(names.map((n, i) => [n, f32(data[i] as ArrayLike<number>)]));
  };
  const withOutputs = async <T>(inputs: Record<string, TF.Tensor>, use: (outs: Record<string, TF.Tensor>) => Promise<T>): Promise<T> => {
    const outs = tf.tidy(() => program(tf, inputs));
    try {
      return await use(outs);
    } finally {
      Object.values(outs).forEach((t) => t.dispose());
    }
  };
  return {
    name: 'tfjs-webgpu',
    async run(mode) {
      if (mode === 'a') return withOutputs(resident, async () => (await complete(), {}));
      if (mode === 'b') return withOutputs(resident, readAll);
      const inputs = make(); // the upload happens on first use, inside the program
      try {
        return await withOutputs(inputs, readAll);
      } finally {
        Object.values(inputs).forEach((t) => t.dispose());
      }
    },
    checkResident: () => withOutputs(resident, async (outs) => (await complete(), readAll(outs))),
    dispose: () => Object.values(resident).forEach((t) => t.dispose()),
  };
}

/** onnxruntime-web's API beyond bench/ort.ts's minimal one: GPU tensors and its device. */
interface OrtGpu {
  readonly Tensor: { fromGpuBuffer(b: GPUBuffer, o: { dataType: 'float32'; dims: readonly number[] }): unknown };
  readonly env: { webgpu: { device: Promise<GPUDevice> } };
}
interface OrtTensorOut {
  readonly data?: unknown;
  getData(): Promise<unknown>;
  dispose(): void;
}

/**
 * onnxruntime-web's WebGPU execution provider on the ONNX graph of bench/ort-workloads.ts. Resident
 * inputs are buffers on ORT's own device (`env.webgpu.device`) wrapped by `Tensor.fromGpuBuffer`.
 * (a) runs a second session of the same graph created with `preferredOutputLocation: 'gpu-buffer'`,
 * awaits `queue.onSubmittedWorkDone()` on ORT's device and disposes the output tensors; (b) and (c)
 * use a session with the default output location (cpu: ORT reads the outputs back itself).
 */
export async function ortModes(ort: Ort, workload: string, w: WorkloadInputs): Promise<ModeContender> {
  const ins = Object.fromEntries(w.ir.inputs.map((i) => [i.name, w.shapes[i.name]!]));
  const outs = Object.fromEntries(w.ir.outputs.map((o) => [o.name, w.shapes[o.name]!]));
  const bytes = onnxWorkload(workload, ins, outs);
  const base = { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' };
  const host = await ort.InferenceSession.create(bytes, base);
  const gpu = await ort.InferenceSession.create(bytes, { ...base, preferredOutputLocation: 'gpu-buffer' });
  const og = ort as unknown as OrtGpu;
  const device = await og.env.webgpu.device;
  const buffers: GPUBuffer[] = [];
  const resident: Record<string, unknown> = {};
  for (const i of w.ir.inputs) {
    const data = w.feeds[i.name]!;
    const b = device.createBuffer({ size: roundUp(Math.max(data.byteLength, 16), 16), usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, mappedAtCreation: true });
    new Float32Array(b.getMappedRange(), 0, data.length).set(data);
    b.unmap();
    buffers.push(b);
    resident[i.name] = og.Tensor.fromGpuBuffer(b, { dataType: 'float32', dims: [...w.shapes[i.name]!] });
  }
  const hostFeeds = Object.fromEntries(w.ir.inputs.map((i) => [i.name, new ort.Tensor('float32', w.feeds[i.name]!, [...w.shapes[i.name]!])]));
  const read = (r: Record<string, { data: unknown }>): Outputs => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f32(v.data as ArrayLike<number>)]));
  const onGpu = async (): Promise<Record<string, OrtTensorOut>> => {
    const r = (await gpu.run(resident)) as unknown as Record<string, OrtTensorOut>;
    await device.queue.onSubmittedWorkDone();
    return r;
  };
  return {
    name: 'ort-webgpu',
    async run(mode) {
      if (mode === 'a') {
        Object.values(await onGpu()).forEach((t) => t.dispose());
        return {};
      }
      return read(await host.run(mode === 'b' ? resident : hostFeeds));
    },
    async checkResident() {
      const r = await onGpu();
      const out: Outputs = {};
      for (const [k, t] of Object.entries(r)) {
        out[k] = f32((await t.getData()) as ArrayLike<number>);
        t.dispose();
      }
      return out;
    },
    dispose: () => {
      buffers.forEach((b) => b.destroy());
      void (host as OrtSession & { release?: () => Promise<void> }).release?.();
      void (gpu as OrtSession & { release?: () => Promise<void> }).release?.();
    },
  };
}
