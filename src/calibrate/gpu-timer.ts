/**
 * Kernel timing for calibration: an Executable's kernels on persistent buffers (filled once with
 * values in [0.5, 1.5), so no kernel meets NaNs or denormals), timed per pass with timestamp
 * queries where the device has 'timestamp-query' (one pass per kernel, as the runtime encodes
 * them: a pass's time includes its dispatch overhead), else by wall time around one submit.
 */
import type { Executable } from '../codegen/kernel.js';
import type { Runtime } from '../runtime/types.js';
import { BufferUsage, MapMode, ShaderStage } from '../runtime/usage.js';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export interface TimedProgram {
  /**
   * Runs every kernel `reps` times in one submit; returns, per repetition, the summed GPU time
   * of the kernels in ms (or wall time per repetition without timestamp queries); per kernel the
   * median over the repetitions; and `span`: from the first pass's beginning to the last pass's
   * end, divided by reps (GPU time per repetition including the gaps between passes).
   */
  time(reps: number): Promise<{ total: number[]; perKernel: number[]; span: number }>;
  destroy(): void;
}

const MAX_QUERIES = 4096;

export async function prepareTimed(rt: Runtime, exe: Executable): Promise<TimedProgram> {
  const d = rt.device;
  const stamps = rt.features.includes('timestamp-query');
  const buffers = exe.buffers.map((spec) => {
    const size = Math.max(16, Math.ceil(spec.bytes / 16) * 16);
    const buf = d.createBuffer({ size, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC, mappedAtCreation: true });
    const view = new Float32Array(buf.getMappedRange());
    if (spec.kind === 'const' && spec.data !== undefined) view.set(spec.data);
    else if (spec.kind === 'input') for (let i = 0; i < view.length; i++) view[i] = 0.5 + ((i * 7919) % 1000) / 1000;
    buf.unmap();
    return buf;
  });
  const owned: GPUBuffer[] = [...buffers];
  const kernels = await Promise.all(
    exe.kernels.map(async (k) => {
      const entries: GPUBindGroupLayoutEntry[] = k.buffers.map((_, i) => ({
        binding: i,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: i < k.buffers.length - k.writes ? 'read-only-storage' : 'storage' },
      }));
      if (k.uniforms !== undefined) entries.push({ binding: k.buffers.length, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform' } });
      const layout = d.createBindGroupLayout({ entries });
      const pipeline = await d.createComputePipelineAsync({
        layout: d.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module: d.createShaderModule({ code: k.wgsl }), entryPoint: k.entryPoint },
      });
      const bind: GPUBindGroupEntry[] = k.buffers.map((id, i) => ({ binding: i, resource: { buffer: buffers[id]! } }));
      if (k.uniforms !== undefined) {
        const ub = d.createBuffer({ size: Math.max(16, k.uniforms.byteLength), usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
        d.queue.writeBuffer(ub, 0, k.uniforms.buffer as ArrayBuffer, k.uniforms.byteOffset, k.uniforms.byteLength);
        owned.push(ub);
        bind.push({ binding: k.buffers.length, resource: { buffer: ub } });
      }
      return { pipeline, group: d.createBindGroup({ layout, entries: bind }), dispatch: k.dispatch };
    }),
  );

  const time = async (reps: number): Promise<{ total: number[]; perKernel: number[]; span: number }> => {
    const passes = reps * kernels.length;
    const queries = stamps ? Math.min(2 * passes, MAX_QUERIES) : 0;
    const qs = queries > 0 ? d.createQuerySet({ type: 'timestamp', count: queries }) : null;
    const enc = d.createCommandEncoder();
    let p = 0;
    for (let r = 0; r < reps; r++) {
      for (const k of kernels) {
        const q = 2 * p++;
        const pass = enc.beginComputePass(qs !== null && q + 1 < queries ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } } : {});
        pass.setPipeline(k.pipeline);
        pass.setBindGroup(0, k.group);
        pass.dispatchWorkgroups(k.dispatch[0], k.dispatch[1], k.dispatch[2]);
        pass.end();
      }
    }
    let staging: GPUBuffer | null = null;
    const temps: GPUBuffer[] = [];
    if (qs !== null) {
      const resolved = d.createBuffer({ size: queries * 8, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
      staging = d.createBuffer({ size: queries * 8, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      temps.push(resolved, staging);
      enc.resolveQuerySet(qs, 0, queries, resolved, 0);
      enc.copyBufferToBuffer(resolved, 0, staging, 0, queries * 8);
    }
    const t0 = performance.now();
    d.queue.submit([enc.finish()]);
    await d.queue.onSubmittedWorkDone();
    const wall = performance.now() - t0;
    try {
      if (staging === null) return { total: Array.from({ length: reps }, () => wall / reps), perKernel: kernels.map(() => wall / reps / kernels.length), span: wall / reps };
      await staging.mapAsync(MapMode.READ);
      const ns = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      const per: number[][] = kernels.map(() => []);
      const total: number[] = [];
      for (let r = 0; r < reps; r++) {
        let sum = 0;
        for (let i = 0; i < kernels.length; i++) {
          const q = 2 * (r * kernels.length + i);
          if (q + 1 >= queries) break;
          const b = ns[q] ?? 0n;
          const e = ns[q + 1] ?? 0n;
          const ms = e > b ? Number(e - b) / 1e6 : 0;
          per[i]!.push(ms);
          sum += ms;
        }
        total.push(sum);
      }
      const last = Math.min(2 * passes, queries) - 1;
      const first = ns[0] ?? 0n;
      const end = ns[last] ?? 0n;
      const span = end > first ? Number(end - first) / 1e6 / Math.floor((last + 1) / (2 * kernels.length)) : total.reduce((a, b) => a + b, 0) / reps;
      return { total, perKernel: per.map(median), span };
    } finally {
      qs?.destroy();
      for (const t of temps) t.destroy();
    }
  };
  return { time, destroy: () => owned.forEach((b) => b.destroy()) };
}

/**
 * copyBufferToBuffer bandwidth (bytes read + written per ms): `reps` copies of `bytes` in one
 * submit, wall time, median of `rounds` (no timestamps: copies are outside compute passes).
 */
export async function copyBytesPerMs(d: GPUDevice, bytes = 64 << 20, reps = 8, rounds = 5): Promise<number> {
  const a = d.createBuffer({ size: bytes, usage: BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
  const b = d.createBuffer({ size: bytes, usage: BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
  const once = async (): Promise<number> => {
    const enc = d.createCommandEncoder();
    for (let r = 0; r < reps; r++) enc.copyBufferToBuffer(r % 2 === 0 ? a : b, 0, r % 2 === 0 ? b : a, 0, bytes);
    const t0 = performance.now();
    d.queue.submit([enc.finish()]);
    await d.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / reps;
  };
  try {
    await once();
    const ms: number[] = [];
    for (let i = 0; i < rounds; i++) ms.push(await once());
    return (2 * bytes) / median(ms);
  } finally {
    a.destroy();
    b.destroy();
  }
}
