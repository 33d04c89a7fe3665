/**
 * Public types of the runtime. Kept free of any Dawn or Node import so the planner and the browser
 * build can use them.
 */
import type { Executable } from '../codegen/kernel.js';
import type { DeviceLimits } from '../ir/limits.js';
import type { GpuTensor } from './tensor.js';

export type { DeviceLimits, GpuTensor };


export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** Present when the adapter reports them (with the 'subgroups' feature). */
  readonly subgroupMinSize?: number;
  readonly subgroupMaxSize?: number;
}

/**
 * How the Node runtime waits for the GPU. 'timer' (default) re-routes Dawn's native setImmediate
 * re-arming to setTimeout(fn, 0), so pending GPU promises don't spin a core; 'spin' leaves Dawn's
 * behaviour alone (lowest latency, one core at 100% while waiting). See docs/runtime.md.
 */
export type WaitMode = 'timer' | 'spin';

export interface RuntimeOptions {
  /** 'auto' (default): Node's webgpu package under Node, navigator.gpu elsewhere. */
  readonly backend?: 'auto' | 'node' | 'browser';
  /**
   * Idle GPU buffer bytes kept between runs for reuse (default 512 MiB; 0 disables pooling, so
   * every run allocates fresh zeroed buffers).
   */
  readonly poolBytes?: number;
  /**
   * Compiled pipelines kept, least recently used evicted first (default 256). Bounds the cache
   * when many different plans (dims that change the WGSL, strategies, models) go through one runtime.
   */
  readonly pipelineCacheSize?: number;
  /**
   * Run on this device instead of requesting one (a device shared with tfjs, onnxruntime-web or
   * the page). Limits and features are read from it; adapter options are then ignored, and
   * destroy() frees the runtime's buffers but leaves the device alive.
   */
  readonly device?: GPUDevice;
  /** Node only; ignored in the browser. Default 'timer'. */
  readonly wait?: WaitMode;
  readonly powerPreference?: GPUPowerPreference;
  /** Passed to requestAdapter as is (wins over powerPreference), e.g. { featureLevel: 'compatibility' }. */
  readonly adapter?: GPURequestAdapterOptions;
  /**
   * Tighter limits than the device's, e.g. { maxStorageBuffersPerShaderStage: 8 } to plan and test
   * for a typical browser GPU on a roomier adapter. `runtime.limits` reports them and execute
   * enforces them. Values looser than the adapter's are rejected.
   */
  readonly limits?: Partial<DeviceLimits>;
  /** Optional features to leave off even where the adapter has them. */
  readonly disableFeatures?: readonly string[];
  /**
   * Node only: extra flags for Dawn's create(), e.g. 'backend=opengles'. The runtime always adds
   * 'disable-dawn-features=timestamp_quantization' (browsers quantize timestamps to ~100 µs for
   * privacy, which would hide the ~40 µs kernels profiles care about).
   */
  readonly dawnFlags?: readonly string[];
}

export interface ExecuteOptions {
  /**
   * Fill every output, intermediate and scratch buffer with NaN (0x7fc00000) before the kernels
   * run, so an element no kernel writes reads back as NaN instead of a plausible 0.
   */
  readonly poison?: boolean;
  /** Per-kernel GPU time via timestamp queries, where 'timestamp-query' is available. */
  readonly profile?: boolean;
  /**
   * Where outputs go: 'host' (default) reads them back into `outputs`; 'gpu' keeps them on the
   * device as GpuTensors in `gpu` (no readback; call read() or dispose() on each). An object
   * chooses per output name; outputs it does not name are read back.
   */
  readonly outputs?: OutputPlacement | Readonly<Record<string, OutputPlacement>>;
}

export type OutputPlacement = 'host' | 'gpu';

export interface KernelTiming {
  readonly label: string;
  readonly op?: string;
  readonly ms: number;
}

export interface ExecuteResult {
  /** Outputs read back to the host (all of them unless `outputs` kept some on the GPU). */
  readonly outputs: Record<string, Float32Array>;
  /** Outputs kept on the GPU; present only when `outputs` asked for some. The caller disposes them. */
  readonly gpu?: Record<string, GpuTensor>;
  /** One entry per kernel in dispatch order; only with `profile` and 'timestamp-query'. */
  readonly timings?: KernelTiming[];
}

export interface RuntimeStats {
  /** GPU buffers in use (created and not yet destroyed, excluding idle pooled ones). */
  readonly liveBuffers: number;
  readonly liveBytes: number;
  /** Idle buffers kept for reuse by later runs (bounded by RuntimeOptions.poolBytes; trim() frees them). */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
  /** Compute pipelines held by the cache. */
  readonly pipelines: number;
  /** GpuTensors alive (uploaded or kept from runs, not yet disposed); their buffers count in liveBuffers. */
  readonly tensors: number;
}

/** Events since the runtime was created (only ever grow; stats() is what returns to a baseline). */
export interface RuntimeCounters {
  /** queue.submit calls: one per run, one per GpuTensor.read(). */
  readonly submits: number;
  /** Bind groups created; repeated runs over the same buffers reuse cached ones. */
  readonly bindGroupsCreated: number;
}

/** What run() needs of a compiled model (src/api's CompiledModel is one). */
export interface Runnable {
  readonly name: string;
  readonly executable: Executable;
  /** Every input the model declares, used by its outputs or not. */
  readonly inputNames: readonly string[];
}

/** A run's input: host values (a Float32Array or a host tensor), or a GPU tensor of this runtime. */
export type Feed = Float32Array | { readonly data: Float32Array } | GpuTensor;

/** execute()'s inputs: the host values or a GPU tensor per input name. */
export type Input = Float32Array | GpuTensor;

export interface Runtime {
  readonly backend: 'node' | 'browser';
  /** 'native' in the browser, whose event loop waits without spinning. */
  readonly wait: WaitMode | 'native';
  readonly limits: DeviceLimits;
  readonly adapterInfo: AdapterSummary;
  /** Features enabled on the device, sorted. */
  readonly features: readonly string[];
  /** Escape hatch for calibration and benchmarks; execute() is the supported way to run work. */
  readonly device: GPUDevice;
  execute(
    exe: Executable,
    inputs: Readonly<Record<string, Input>>,
    opts?: ExecuteOptions,
  ): Promise<ExecuteResult>;
  /**
   * Runs a compiled program on named inputs (Float32Array, or anything with a Float32Array `data`,
   * e.g. the DSL's HostTensor) or GpuTensors of this runtime. Every declared input must be given,
   * and only those.
   */
  run(program: Runnable, feeds: Readonly<Record<string, Feed>>, opts?: ExecuteOptions): Promise<ExecuteResult>;
  /**
   * Uploads values once and keeps them on the device (e.g. weights fed to many runs). `shape`
   * defaults to [data.length], which then only has to match an input's length.
   */
  upload(data: Float32Array, shape?: readonly number[]): Promise<GpuTensor>;
  stats(): RuntimeStats;
  counters(): RuntimeCounters;
  /** Destroys the idle pooled buffers. */
  trim(): void;
  /**
   * Frees every buffer (GpuTensors included, which become disposed) and destroys the device if
   * the runtime created it; idempotent. The runtime is unusable afterwards.
   */
  destroy(): void;
  readonly destroyed: boolean;
}
