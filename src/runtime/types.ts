/**
 * Public types of the runtime. Kept free of any Dawn or Node import so the planner and the browser
 * build can use them.
 */
import type { Executable } from '../codegen/kernel.js';
import type { DeviceLimits } from '../ir/limits.js';

export type { DeviceLimits };


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
}

export interface KernelTiming {
  readonly label: string;
  readonly op?: string;
  readonly ms: number;
}

export interface ExecuteResult {
  readonly outputs: Record<string, Float32Array>;
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
}

/** What run() needs of a compiled model (src/api's CompiledModel is one). */
export interface Runnable {
  readonly name: string;
  readonly executable: Executable;
  /** Every input the model declares, used by its outputs or not. */
  readonly inputNames: readonly string[];
}

export type Feed = Float32Array | { readonly data: Float32Array };

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
    inputs: Record<string, Float32Array>,
    opts?: ExecuteOptions,
  ): Promise<ExecuteResult>;
  /**
   * Runs a compiled program on named inputs (Float32Array, or anything with a Float32Array `data`,
   * e.g. the DSL's HostTensor). Every declared input must be given, and only those.
   */
  run(program: Runnable, feeds: Readonly<Record<string, Feed>>, opts?: ExecuteOptions): Promise<ExecuteResult>;
  stats(): RuntimeStats;
  /** Destroys the idle pooled buffers. */
  trim(): void;
  /** Destroys the device; idempotent. The runtime is unusable afterwards. */
  destroy(): void;
  readonly destroyed: boolean;
}
