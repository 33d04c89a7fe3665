/**
 * One run of an Executable: allocate, upload, encode every kernel into one command encoder, submit
 * once, read back, free. One submit matters on lavapipe, where each submit/readback round trip
 * costs far more than a dispatch; storage writes of one compute pass are visible to the next.
 */
import type { BufferSpec, Executable, KernelSpec } from '../codegen/kernel.js';
import { FuseplanError } from '../ir/errors.js';
import { putOwn } from '../ir/own.js';
import type { BindGroupCache } from './bind-groups.js';
import type { BufferPool, BufferTracker } from './buffers.js';
import { RunBuffers } from './buffers.js';
import type { PipelineCache } from './pipelines.js';
import { keptOutputs, keepOutputs, type Kept, type KeptTensors } from './outputs.js';
import { Profiler } from './profile.js';
import { pushScopes, runError } from './scopes.js';
import type { DeviceLimits } from '../ir/limits.js';
import { isGpuTensor, tensorBuffer } from './tensor.js';
import type { ExecuteOptions, ExecuteResult, Input } from './types.js';
import { BufferUsage, MapMode, roundUp } from './usage.js';
import { allocatedBytes } from './validate.js';

export interface RunContext {
  readonly device: GPUDevice;
  readonly limits: DeviceLimits;
  readonly tracker: BufferTracker;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly bindGroups: BindGroupCache;
  readonly canProfile: boolean;
  /** Counts queue submissions (RuntimeCounters.submits). */
  readonly submit: (buffers: GPUCommandBuffer[]) => void;
  /** Wraps kept output buffers as GpuTensors owned by the runtime. */
  readonly keep: KeptTensors;
}

/** A quiet NaN; any element no kernel writes reads back as this under `poison`. */
export const POISON_BITS = 0x7fc00000;
const POISONED: ReadonlySet<BufferSpec['kind']> = new Set(['output', 'intermediate', 'scratch']);
const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

export async function runExecutable(ctx: RunContext, exe: Executable, inputs: Readonly<Record<string, Input>>, opts: ExecuteOptions): Promise<ExecuteResult> {
  const { device } = ctx;
  // Compile first: a WGSL error should not cost an allocation of every buffer.
  const compiled = await ctx.pipelines.getAll(exe.kernels);
  const labels = exe.kernels.map((k) => k.label);
  const run = new RunBuffers(ctx.tracker, ctx.pool, device.queue);
  const onGpu = keptOutputs(exe, opts.outputs);
  let kept: Kept | undefined;
  let ok = false;
  try {
    const popScopes = pushScopes(device);
    let encoded: { readbacks: Readback[]; profiler: Profiler | null } | undefined;
    let thrown: unknown;
    try {
      const gpuBuffers = allocate(run, exe, inputs, opts.poison === true);
      const uniforms = uploadUniforms(run, exe.kernels, ctx.limits);
      const profiler = opts.profile === true && ctx.canProfile && exe.kernels.length > 0 ? new Profiler(device, run, exe.kernels) : null;
      const encoder = device.createCommandEncoder({ label: 'fuseplan run' });
      exe.kernels.forEach((k, i) => {
        const c = compiled[i];
        if (c === undefined) throw new Error(`no pipeline for kernel ${i}`);
        const entries: GPUBindGroupEntry[] = k.buffers.map((id, binding) => ({ binding, resource: { buffer: gpuBuffers.get(id)! } }));
        const u = uniforms[i];
        if (u !== undefined) entries.push({ binding: k.buffers.length, resource: u });
        const pass = encoder.beginComputePass(profiler !== null ? { label: k.label, timestampWrites: profiler.writesFor(i) } : { label: k.label });
        pass.setPipeline(c.pipeline);
        pass.setBindGroup(0, ctx.bindGroups.get(k.label, c.layout, entries));
        pass.dispatchWorkgroups(k.dispatch[0], k.dispatch[1], k.dispatch[2]);
        pass.end();
      });
      const readbacks = encodeReadbacks(run, encoder, exe, gpuBuffers, onGpu);
      kept = keepOutputs(ctx.tracker, encoder, exe, gpuBuffers, onGpu);
      profiler?.encodeResolve(encoder);
      ctx.submit([encoder.finish()]);
      encoded = { readbacks, profiler };
    } catch (e) {
      thrown = e;
    }
    // The scope's message (from Dawn, naming labels) beats whatever the failed call threw.
    const scoped = await popScopes();
    if (scoped !== null) throw runError(scoped, labels);
    if (thrown !== undefined || encoded === undefined) {
      throw thrown instanceof FuseplanError ? thrown : runError(thrown instanceof Error ? thrown : new Error(String(thrown)), labels);
    }
    // With nothing to map, still return only once the GPU is done (callers time and chain runs).
    if (encoded.readbacks.length === 0 && encoded.profiler === null) await device.queue.onSubmittedWorkDone();
    const [outputs, timings] = await Promise.all([readAll(encoded.readbacks, exe, onGpu), encoded.profiler?.read()]);
    const gpu = kept !== undefined && onGpu.size > 0 ? kept.finish(run, ctx.keep) : undefined;
    ok = true;
    return { outputs, ...(gpu !== undefined ? { gpu } : {}), ...(timings !== undefined ? { timings } : {}) };
  } finally {
    // Only a run that completed hands its buffers back for reuse.
    if (ok) run.releaseAll();
    else {
      run.destroyAll();
      kept?.abandon(ctx.tracker);
    }
  }
}

function allocate(run: RunBuffers, exe: Executable, inputs: Readonly<Record<string, Input>>, poison: boolean): Map<number, GPUBuffer> {
  const inputData = new Map<number, Input>();
  for (const i of exe.inputs) {
    const data = inputs[i.name];
    if (data !== undefined) inputData.set(i.buffer, data);
  }
  const out = new Map<number, GPUBuffer>();
  for (const spec of exe.buffers) {
    const fed = spec.kind === 'input' ? inputData.get(spec.id) : undefined;
    if (isGpuTensor(fed)) {
      // Resident: bound as is. Kernels never write input buffers (validateExecutable checks).
      out.set(spec.id, tensorBuffer(fed, `input '${spec.label}'`));
      continue;
    }
    const data = spec.kind === 'const' ? spec.data : fed;
    let init: ((range: ArrayBuffer) => void) | undefined;
    if (data !== undefined) {
      init = (range) => new Float32Array(range, 0, data.length).set(data);
    } else if (poison && POISONED.has(spec.kind)) {
      init = (range) => new Uint32Array(range).fill(POISON_BITS);
    }
    // Without init WebGPU zero-fills, so unpoisoned runs read unwritten elements as 0.
    out.set(spec.id, run.create({ label: spec.label, size: allocatedBytes(spec), usage: STORAGE_USAGE }, init));
  }
  return out;
}

/**
 * All kernels' uniforms in one buffer at offsets aligned to minUniformBufferOffsetAlignment,
 * instead of one tiny buffer per kernel.
 */
function uploadUniforms(run: RunBuffers, kernels: readonly KernelSpec[], limits: DeviceLimits): (GPUBufferBinding | undefined)[] {
  const align = Math.max(limits.minUniformBufferOffsetAlignment, 16);
  const placed: { offset: number; size: number; data: Uint32Array }[] = [];
  let total = 0;
  const at = kernels.map((k) => {
    if (k.uniforms === undefined) return undefined;
    const offset = roundUp(total, align);
    // Uniform structs round up to 16 bytes; binding a shorter range would fail validation.
    const size = roundUp(Math.max(k.uniforms.byteLength, 16), 16);
    total = offset + size;
    placed.push({ offset, size, data: k.uniforms });
    return { offset, size };
  });
  if (placed.length === 0) return at.map(() => undefined);
  const buffer = run.create({ label: 'fuseplan uniforms', size: total, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST }, (range) => {
    for (const p of placed) new Uint32Array(range, p.offset, p.data.length).set(p.data);
  });
  return at.map((a) => (a === undefined ? undefined : { buffer, offset: a.offset, size: a.size }));
}

interface Readback {
  readonly buffer: number;
  readonly bytes: number;
  readonly staging: GPUBuffer;
}

function encodeReadbacks(run: RunBuffers, encoder: GPUCommandEncoder, exe: Executable, gpuBuffers: Map<number, GPUBuffer>, onGpu: ReadonlySet<string>): Readback[] {
  // One staging buffer per distinct buffer read back, sized to the largest output view of it.
  const bytes = new Map<number, number>();
  for (const o of exe.outputs) if (!onGpu.has(o.name)) bytes.set(o.buffer, Math.max(bytes.get(o.buffer) ?? 0, o.length * 4));
  const out: Readback[] = [];
  for (const [id, n] of bytes) {
    if (n === 0) continue;
    const staging = run.create({ label: `readback ${id}`, size: n, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(gpuBuffers.get(id)!, 0, staging, 0, n);
    out.push({ buffer: id, bytes: n, staging });
  }
  return out;
}

async function readAll(readbacks: Readback[], exe: Executable, onGpu: ReadonlySet<string>): Promise<Record<string, Float32Array>> {
  // Map all at once so their round trips overlap; allSettled so no rejection goes unhandled.
  const settled = await Promise.allSettled(readbacks.map((r) => r.staging.mapAsync(MapMode.READ)));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    const reason = (failed as PromiseRejectedResult).reason;
    throw new FuseplanError('device', `reading outputs back failed: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
  const views = new Map<number, ArrayBuffer>();
  for (const r of readbacks) views.set(r.buffer, r.staging.getMappedRange());
  const outputs: Record<string, Float32Array> = {};
  for (const o of exe.outputs) {
    if (onGpu.has(o.name)) continue;
    const range = views.get(o.buffer);
    // Copies: the mapped range is detached by unmap, and outputs sharing a buffer stay independent.
    putOwn(outputs, o.name, range === undefined ? new Float32Array(0) : new Float32Array(range, 0, o.length).slice());
  }
  for (const r of readbacks) r.staging.unmap();
  return outputs;
}
