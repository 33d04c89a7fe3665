/**
 * The Runtime over an already-acquired GPUDevice; shared by the Node and browser entry points,
 * which differ only in how they get the GPU object and how they wait.
 */
import type { Executable } from '../codegen/kernel.js';
import { FuseplanError } from '../ir/errors.js';
import { BindGroupCache } from './bind-groups.js';
import { BufferPool, BufferTracker } from './buffers.js';
import { runExecutable, type RunContext } from './execute.js';
import { feedsToInputs } from './feeds.js';
import { PipelineCache } from './pipelines.js';
import { pushScopes } from './scopes.js';
import { forgetBuffer, GpuTensor, type TensorOwner } from './tensor.js';
import type { DeviceLimits } from '../ir/limits.js';
import type { AdapterSummary, ExecuteOptions, ExecuteResult, Feed, Input, Runnable, Runtime, RuntimeCounters, RuntimeStats, WaitMode } from './types.js';
import { BufferUsage, MapMode, roundUp } from './usage.js';
import { validateExecutable, validateInputs } from './validate.js';

/** Idle buffer bytes kept for reuse between runs unless RuntimeOptions.poolBytes says otherwise. */
const DEFAULT_POOL_BYTES = 512 * 1024 * 1024;

const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

export interface RuntimeInit {
  readonly backend: 'node' | 'browser';
  readonly wait: WaitMode | 'native';
  readonly limits: DeviceLimits;
  readonly adapterInfo: AdapterSummary;
  readonly features: readonly string[];
  /** Called once, after the device is destroyed (e.g. to remove the setImmediate wrapper). */
  readonly onDestroy?: () => void;
  readonly poolBytes?: number;
  /** Pipelines the cache keeps (LRU); default DEFAULT_PIPELINE_CACHE_SIZE. */
  readonly pipelineCacheSize?: number;
  /** False for a device the caller gave (RuntimeOptions.device): destroy() leaves it alive. */
  readonly ownsDevice?: boolean;
}

export class GpuRuntime implements Runtime, TensorOwner {
  readonly backend: 'node' | 'browser';
  readonly wait: WaitMode | 'native';
  readonly limits: DeviceLimits;
  readonly adapterInfo: AdapterSummary;
  readonly features: readonly string[];
  private readonly ctx: RunContext;
  private readonly tracker: BufferTracker;
  private readonly pool: BufferPool;
  private readonly pipelines: PipelineCache;
  private readonly bindGroups: BindGroupCache;
  private readonly tensors = new Set<GpuTensor>();
  private submits = 0;
  // Executables are immutable; structural validation is done once per object.
  private readonly validated = new WeakSet<Executable>();
  private lostMessage: string | null = null;
  private isDestroyed = false;
  private readonly onDestroy: (() => void) | undefined;
  private readonly ownsDevice: boolean;

  constructor(readonly device: GPUDevice, init: RuntimeInit) {
    this.backend = init.backend;
    this.wait = init.wait;
    this.limits = init.limits;
    this.adapterInfo = init.adapterInfo;
    this.features = init.features;
    this.onDestroy = init.onDestroy;
    this.ownsDevice = init.ownsDevice ?? true;
    this.bindGroups = new BindGroupCache(device);
    this.tracker = new BufferTracker(device, (b) => this.bindGroups.forgetBuffer(b));
    this.pool = new BufferPool(this.tracker, init.poolBytes ?? DEFAULT_POOL_BYTES);
    this.pipelines = new PipelineCache(device, init.pipelineCacheSize);
    this.ctx = {
      device,
      limits: init.limits,
      tracker: this.tracker,
      pool: this.pool,
      pipelines: this.pipelines,
      bindGroups: this.bindGroups,
      canProfile: device.features.has('timestamp-query'),
      submit: (buffers) => this.submit(buffers),
      keep: (buffer, length, shape) => this.adopt(new GpuTensor(this, buffer, length, shape)),
    };
    device.lost.then(
      (info) => {
        // 'destroyed' is also what a device destroyed behind the runtime's back reports.
        if (!this.isDestroyed) this.lostMessage = `device lost (${info.reason === 'destroyed' ? 'destroyed outside the runtime' : info.reason || 'unknown'}): ${info.message || 'no message'}; create a new runtime`;
      },
      () => {},
    );
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  async execute(exe: Executable, inputs: Readonly<Record<string, Input>>, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    this.assertUsable();
    if (!this.validated.has(exe)) {
      validateExecutable(exe, this.limits, this.features);
      this.validated.add(exe);
    }
    validateInputs(exe, inputs, this);
    try {
      return await runExecutable(this.ctx, exe, inputs, opts);
    } catch (e) {
      throw await this.failure(e, 'run failed');
    }
  }

  async run(program: Runnable, feeds: Readonly<Record<string, Feed>>, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.execute(program.executable, feedsToInputs(program, feeds), opts);
  }

  async upload(data: Float32Array, shape?: readonly number[]): Promise<GpuTensor> {
    this.assertUsable();
    if (!(data instanceof Float32Array)) throw new FuseplanError('input', `upload() takes a Float32Array, got ${data === null ? 'null' : ArrayBuffer.isView(data) ? (data as object).constructor.name : typeof data}`);
    if (shape !== undefined) {
      const valid = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
      const size = valid ? shape.reduce((a, d) => a * d, 1) : NaN;
      if (size !== data.length) throw new FuseplanError('input', `upload(): shape ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)} does not hold ${data.length} elements`);
    }
    const bytes = roundUp(Math.max(data.byteLength, 4), 4);
    if (bytes > this.limits.maxBufferSize) throw new FuseplanError('limit', `upload(): ${data.byteLength} bytes exceed the device's maxBufferSize ${this.limits.maxBufferSize}`);
    const popScopes = pushScopes(this.device);
    let buffer: GPUBuffer | undefined;
    try {
      buffer = this.tracker.create({ label: 'fuseplan tensor', size: bytes, usage: TENSOR_USAGE }, (range) => new Float32Array(range, 0, data.length).set(data));
    } finally {
      const scoped = await popScopes();
      if (scoped !== null) {
        if (buffer !== undefined) this.tracker.destroy(buffer);
        throw new FuseplanError('device', `upload() of ${data.byteLength} bytes failed: ${scoped.message}`);
      }
    }
    return this.adopt(new GpuTensor(this, buffer, data.length, shape));
  }

  /** TensorOwner: one copy into a staging buffer, one submit, one map. */
  async readTensor(t: GpuTensor, buffer: GPUBuffer): Promise<Float32Array> {
    this.assertUsable();
    if (t.length === 0) return new Float32Array(0);
    const bytes = t.length * 4;
    const staging = this.tracker.create({ label: 'fuseplan tensor readback', size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'fuseplan read' });
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
      this.submit([encoder.finish()]);
      await staging.mapAsync(MapMode.READ);
      const out = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return out;
    } catch (e) {
      throw await this.failure(e, 'reading a GPU tensor failed');
    } finally {
      this.tracker.destroy(staging);
    }
  }

  /** TensorOwner: dispose() of one of this runtime's tensors. */
  releaseTensor(t: GpuTensor, buffer: GPUBuffer): void {
    this.tensors.delete(t);
    // Into the pool (which destroys it when full), not destroyed: a loop of run(..., { outputs:
    // 'gpu' }) and dispose() then writes its outputs into reused buffers. A fresh buffer's first
    // touch happens inside the kernel: a 4 MiB mul-add output took 16 ms against 1.7-2.0 ms pooled
    // (lavapipe in a VM, `npx tsx bench/kept-outputs.ts`). Later users of the buffer are runs,
    // ordered after every submission that read this tensor.
    this.pool.give(buffer, buffer.size, buffer.usage);
  }

  stats(): RuntimeStats {
    return {
      liveBuffers: this.tracker.count - this.pool.count,
      liveBytes: this.tracker.liveBytes - this.pool.bytes,
      pooledBuffers: this.pool.count,
      pooledBytes: this.pool.bytes,
      pipelines: this.pipelines.size,
      tensors: this.tensors.size,
    };
  }

  counters(): RuntimeCounters {
    return { submits: this.submits, bindGroupsCreated: this.bindGroups.created };
  }

  trim(): void {
    this.pool.trim();
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    for (const t of this.tensors) forgetBuffer(t);
    this.tensors.clear();
    this.pipelines.clear();
    this.pool.trim();
    // A device the caller gave outlives the runtime, so every buffer is freed one by one; a device
    // of our own frees them all when destroyed.
    if (this.ownsDevice) this.tracker.clear();
    else this.tracker.destroyAll();
    this.bindGroups.clear();
    try {
      if (this.ownsDevice) this.device.destroy();
    } finally {
      this.onDestroy?.();
    }
  }

  private adopt(t: GpuTensor): GpuTensor {
    this.tensors.add(t);
    return t;
  }

  private submit(buffers: GPUCommandBuffer[]): void {
    this.submits++;
    this.device.queue.submit(buffers);
  }

  /** A failure as the caller should see it: a lost device says so rather than showing a map failure. */
  private async failure(e: unknown, what: string): Promise<FuseplanError> {
    // device.lost may settle just after the failure it caused; give it one turn of the loop.
    if (this.lostMessage === null && !this.isDestroyed) await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 0))]);
    this.assertUsable();
    return e instanceof FuseplanError ? e : new FuseplanError('device', `${what}: ${e instanceof Error ? e.message : String(e)}`);
  }

  private assertUsable(): void {
    if (this.isDestroyed) throw new FuseplanError('device', 'runtime used after destroy()');
    if (this.lostMessage !== null) throw new FuseplanError('device', this.lostMessage);
  }
}
