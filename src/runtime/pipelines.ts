/**
 * Compute pipeline cache. Codegen emits the same WGSL for every size of a kernel (sizes go in
 * uniforms), so pipelines are keyed by source, entry point and binding layout, and a model runs
 * with no shader compilation after its first run (~1.4 ms per pipeline on lavapipe).
 *
 * Layouts are explicit rather than 'auto': an 'auto' layout drops bindings the shader declares
 * but never uses, and a bind group that still supplies them then fails validation.
 */
import { FuseplanError } from '../ir/errors.js';
import type { KernelSpec } from '../codegen/kernel.js';
import { ShaderStage } from './usage.js';

interface Layout {
  readonly bindGroup: GPUBindGroupLayout;
  readonly pipeline: GPUPipelineLayout;
}

export interface Compiled {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

const layoutKey = (k: KernelSpec): string =>
  `${k.buffers.length - k.writes}r${k.writes}w${k.uniforms !== undefined ? 'u' : ''}`;

/** Pipelines kept by default; enough for dozens of models, bounded under plan churn. */
export const DEFAULT_PIPELINE_CACHE_SIZE = 256;

/**
 * Least-recently-used: a Map iterates in insertion order, so a hit is re-inserted at the end and
 * eviction takes from the front. An evicted pipeline is only dropped from the cache (WebGPU has
 * no destroy for pipelines; it is freed once no run references it); a run still awaiting it keeps
 * its promise.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<Compiled>>();
  private readonly layouts = new Map<string, Layout>();

  constructor(
    private readonly device: GPUDevice,
    readonly capacity: number = DEFAULT_PIPELINE_CACHE_SIZE,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new FuseplanError('limit', `pipelineCacheSize must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.pipelines.size;
  }

  clear(): void {
    this.pipelines.clear();
    this.layouts.clear();
  }

  /** Pipelines for all kernels, compiled in parallel (Dawn compiles async pipelines off-thread). */
  getAll(kernels: readonly KernelSpec[]): Promise<Compiled[]> {
    return Promise.all(kernels.map((k) => this.get(k)));
  }

  get(kernel: KernelSpec): Promise<Compiled> {
    const key = `${layoutKey(kernel)}\u0000${kernel.entryPoint}\u0000${kernel.wgsl}`;
    let entry = this.pipelines.get(key);
    if (entry !== undefined) {
      this.pipelines.delete(key);
      this.pipelines.set(key, entry);
    } else {
      entry = this.compile(kernel);
      this.pipelines.set(key, entry);
      for (const old of this.pipelines.keys()) {
        if (this.pipelines.size <= this.capacity) break;
        this.pipelines.delete(old);
      }
      // A failed compile is not cached: the next run retries and reports it again.
      entry.catch(() => {
        if (this.pipelines.get(key) === entry) this.pipelines.delete(key);
      });
    }
    return entry;
  }

  private layout(k: KernelSpec): Layout {
    const key = layoutKey(k);
    let l = this.layouts.get(key);
    if (l === undefined) {
      const firstWrite = k.buffers.length - k.writes;
      const entries: GPUBindGroupLayoutEntry[] = k.buffers.map((_, i) => ({
        binding: i,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: i < firstWrite ? 'read-only-storage' : 'storage' },
      }));
      if (k.uniforms !== undefined) {
        entries.push({ binding: k.buffers.length, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform' } });
      }
      const bindGroup = this.device.createBindGroupLayout({ label: key, entries });
      l = { bindGroup, pipeline: this.device.createPipelineLayout({ label: key, bindGroupLayouts: [bindGroup] }) };
      this.layouts.set(key, l);
    }
    return l;
  }

  private async compile(k: KernelSpec): Promise<Compiled> {
    const device = this.device;
    device.pushErrorScope('validation');
    const layout = this.layout(k);
    const module = device.createShaderModule({ label: k.label, code: k.wgsl });
    const moduleError = device.popErrorScope();
    let pipeline: GPUComputePipeline | undefined;
    let failure: unknown;
    try {
      pipeline = await device.createComputePipelineAsync({
        label: k.label,
        layout: layout.pipeline,
        compute: { module, entryPoint: k.entryPoint },
      });
    } catch (e) {
      failure = e;
    }
    const scoped = await moduleError.catch(() => null);
    if (pipeline !== undefined && scoped === null) return { pipeline, layout: layout.bindGroup };
    throw await describeFailure(k, module, scoped, failure);
  }
}

/**
 * WGSL errors come back three ways (the module's compilation info, the scope, the rejected
 * pipeline promise, whose message is only "Invalid ShaderModule"); prefer the most specific.
 */
async function describeFailure(k: KernelSpec, module: GPUShaderModule, scoped: GPUError | null, failure: unknown): Promise<FuseplanError> {
  let diagnostics: string[] = [];
  try {
    const info = await module.getCompilationInfo();
    diagnostics = info.messages
      .filter((m) => m.type === 'error')
      // Tint appends long candidate lists to overload errors; the first line says what is wrong.
      .map((m) => `  ${m.lineNum}:${m.linePos}: ${m.message.split('\n')[0]}${sourceLine(k.wgsl, m.lineNum)}`);
  } catch {
    // compilation info is a nicety; fall through to the other messages
  }
  if (diagnostics.length > 0) {
    return new FuseplanError('device', `kernel "${k.label}": WGSL compilation failed:\n${diagnostics.join('\n')}`);
  }
  const message = scoped?.message ?? (failure instanceof Error ? failure.message : String(failure));
  return new FuseplanError('device', `kernel "${k.label}": pipeline creation failed (entry point "${k.entryPoint}", ${k.buffers.length - k.writes} read-only + ${k.writes} read_write storage bindings${k.uniforms !== undefined ? ' + uniform' : ''}): ${message.trim()}`);
}

function sourceLine(wgsl: string, lineNum: number): string {
  const line = wgsl.split('\n')[lineNum - 1];
  return line === undefined ? '' : `\n      | ${line.trim()}`;
}
