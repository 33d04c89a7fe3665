/**
 * The Runtime over an already-acquired GPUDevice; shared by the Node and browser entry points,
 * which differ only in how they get the GPU object and how they wait.
 */
import type { Executable } from '../codegen/kernel.js';
import { FuseplanError } from '../ir/errors.js';
import { putOwn } from '../ir/own.js';
import { BufferPool, BufferTracker } from './buffers.js';

/** Idle buffer bytes kept for reuse between runs unless RuntimeOptions.poolBytes says otherwise. */
export const DEFAULT_POOL_BYTES = 512 * 1024 * 1024;
import { runExecutable, type RunContext } from './execute.js';
import { PipelineCache } from './pipelines.js';
import type { DeviceLimits } from '../ir/limits.js';
import type { AdapterSummary, ExecuteOptions, ExecuteResult, Feed, Runnable, Runtime, RuntimeStats, WaitMode } from './types.js';
import { validateExecutable, validateInputs } from './validate.js';

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
}

export class GpuRuntime implements Runtime {
  readonly backend: 'node' | 'browser';
  readonly wait: WaitMode | 'native';
  readonly limits: DeviceLimits;
  readonly adapterInfo: AdapterSummary;
  readonly features: readonly string[];
  private readonly ctx: RunContext;
  private readonly tracker: BufferTracker;
  private readonly pool: BufferPool;
  private readonly pipelines: PipelineCache;
  // Executables are immutable; structural validation is done once per object.
  private readonly validated = new WeakSet<Executable>();
  private lostMessage: string | null = null;
  private isDestroyed = false;
  private readonly onDestroy: (() => void) | undefined;

  constructor(readonly device: GPUDevice, init: RuntimeInit) {
    this.backend = init.backend;
    this.wait = init.wait;
    this.limits = init.limits;
    this.adapterInfo = init.adapterInfo;
    this.features = init.features;
    this.onDestroy = init.onDestroy;
    this.tracker = new BufferTracker(device);
    this.pool = new BufferPool(this.tracker, init.poolBytes ?? DEFAULT_POOL_BYTES);
    this.pipelines = new PipelineCache(device, init.pipelineCacheSize);
    this.ctx = {
      device,
      limits: init.limits,
      tracker: this.tracker,
      pool: this.pool,
      pipelines: this.pipelines,
      canProfile: device.features.has('timestamp-query'),
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

  async execute(exe: Executable, inputs: Record<string, Float32Array>, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    this.assertUsable();
    if (!this.validated.has(exe)) {
      validateExecutable(exe, this.limits);
      this.validated.add(exe);
    }
    validateInputs(exe, inputs);
    try {
      return await runExecutable(this.ctx, exe, inputs, opts);
    } catch (e) {
      // A run that failed because the device went away should say so, not show a map failure.
      // device.lost may settle just after the failure it caused; give it one turn of the loop.
      if (this.lostMessage === null && !this.isDestroyed) await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 0))]);
      this.assertUsable();
      throw e instanceof FuseplanError ? e : new FuseplanError('device', `run failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async run(program: Runnable, feeds: Readonly<Record<string, Feed>>, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (typeof program !== 'object' || program === null || typeof program.executable !== 'object' || !Array.isArray(program.inputNames)) {
      throw new FuseplanError('model', 'run() needs a compiled model (from compile())');
    }
    if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds) || ArrayBuffer.isView(feeds)) {
      throw new FuseplanError('input', `model '${program.name}': feeds must be an object of named inputs { ${program.inputNames.join(', ')} }, got ${feeds === null ? 'null' : Array.isArray(feeds) ? 'an array' : ArrayBuffer.isView(feeds) ? (feeds as object).constructor.name : typeof feeds}`);
    }
    const declared = new Set(program.inputNames);
    const problems: string[] = [];
    const specs = new Map(program.executable.inputs.map((i) => [i.name, i]));
    for (const name of declared) {
      if (Object.prototype.hasOwnProperty.call(feeds, name)) continue;
      const spec = specs.get(name);
      problems.push(`missing input '${name}'${spec !== undefined ? ` (expected Float32Array of ${spec.length} elements, shape [${spec.shape.join(', ')}])` : ''}`);
    }
    for (const name of Object.keys(feeds)) {
      if (!declared.has(name)) problems.push(`unknown input '${name}' (model '${program.name}' declares: ${[...declared].join(', ')})`);
    }
    if (problems.length > 0) throw new FuseplanError('input', `model '${program.name}': ${problems.join('; ')}`);
    const live = specs;
    const inputs: Record<string, Float32Array> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      // Inputs no output depends on have no buffer; they were checked for presence above.
      const spec = live.get(name);
      if (spec === undefined) continue;
      const data = feed instanceof Float32Array ? feed : (feed as { data?: unknown } | null)?.data;
      // A host tensor carries a shape: a transposed [4, 2] has the length of a [2, 4] but not its
      // meaning, so the shape must match too, not only the length (which execute checks).
      const shape = feed instanceof Float32Array ? undefined : (feed as { shape?: unknown } | null)?.shape;
      if (data instanceof Float32Array && shape !== undefined) {
        const same = Array.isArray(shape) && shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i]);
        if (!same) problems.push(`input '${name}': expected shape [${spec.shape.join(', ')}], got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)}`);
      }
      putOwn(inputs, name, data instanceof Float32Array ? data : (feed as unknown as Float32Array));
    }
    if (problems.length > 0) throw new FuseplanError('input', `model '${program.name}': ${problems.join('; ')}`);
    return this.execute(program.executable, inputs, opts);
  }

  stats(): RuntimeStats {
    return {
      liveBuffers: this.tracker.count - this.pool.count,
      liveBytes: this.tracker.liveBytes - this.pool.bytes,
      pooledBuffers: this.pool.count,
      pooledBytes: this.pool.bytes,
      pipelines: this.pipelines.size,
    };
  }

  trim(): void {
    this.pool.trim();
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    this.pipelines.clear();
    this.pool.trim();
    this.tracker.clear();
    try {
      this.device.destroy();
    } finally {
      this.onDestroy?.();
    }
  }

  private assertUsable(): void {
    if (this.isDestroyed) throw new FuseplanError('device', 'runtime used after destroy()');
    if (this.lostMessage !== null) throw new FuseplanError('device', this.lostMessage);
  }
}
