/** Kernel timing on persistent buffers, shared by the codegen benchmarks. */
import type { Executable } from '../src/codegen/kernel.js';
import type { Runtime } from '../src/runtime/index.js';
import { BufferUsage } from '../src/runtime/usage.js';

export const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

/**
 * A variant's kernels on persistent buffers (execute() allocates fresh buffers per run, so its
 * kernels also pay first-touch page faults). `once()` encodes the kernels REPS times in one submit
 * and returns wall ms per repetition, up to onSubmittedWorkDone.
 */
export const REPS = 3;
export async function prepare(gpu: Runtime, exe: Executable): Promise<{ once: () => Promise<number>; free: () => void }> {
  const d = gpu.device;
  const bufs = exe.buffers.map((b) => d.createBuffer({ size: Math.ceil(b.bytes / 16) * 16, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST }));
  const passes = exe.kernels.map((k) => {
    const pipeline = d.createComputePipeline({ layout: 'auto', compute: { module: d.createShaderModule({ code: k.wgsl }), entryPoint: k.entryPoint } });
    const entries: GPUBindGroupEntry[] = k.buffers.map((id, i) => ({ binding: i, resource: { buffer: bufs[id]! } }));
    // 'auto' layouts drop bindings the shader never reads: kernels with literal sizes may not read U.
    if (k.uniforms !== undefined && /\bU\.v\[/.test(k.wgsl)) {
      const ub = d.createBuffer({ size: Math.max(16, k.uniforms.byteLength), usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
      d.queue.writeBuffer(ub, 0, k.uniforms.buffer as ArrayBuffer, k.uniforms.byteOffset, k.uniforms.byteLength);
      entries.push({ binding: k.buffers.length, resource: { buffer: ub } });
    }
    return { pipeline, group: d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), dispatch: k.dispatch };
  });
  const once = async (): Promise<number> => {
    const enc = d.createCommandEncoder();
    for (let r = 0; r < REPS; r++) {
      for (const p of passes) {
        const pass = enc.beginComputePass();
        pass.setPipeline(p.pipeline);
        pass.setBindGroup(0, p.group);
        pass.dispatchWorkgroups(...p.dispatch);
        pass.end();
      }
    }
    const t0 = performance.now();
    d.queue.submit([enc.finish()]);
    await d.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / REPS;
  };
  await once(); // pipeline compile, first touch of the buffers
  return { once, free: () => bufs.forEach((b) => b.destroy()) };
}

