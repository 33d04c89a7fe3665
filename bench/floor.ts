/**
 * "Know the floor" (issue #12): per fused kernel of a plan, the bytes it must move over the
 * adapter's measured copy bandwidth, against its GPU time from timestamp queries.
 *
 * A kernel's must-move bytes are the sizes of the distinct buffers it binds: each read once, each
 * written once. That is the least traffic any kernel doing its job needs; re-reads a kernel does on
 * top (a row program reading its row once per phase) count against it, not into its floor. The
 * cost model's bytes for the kernel's operator (`plan.costs`, re-reads included) are shown next to
 * it. A memory-bound kernel should stream at >= 75% of copy bandwidth (the target).
 *
 * Which kernels are memory-bound is the plan's own cost model's call (`limitOf`), so a kernel the
 * planner expects to be arithmetic-bound (tanh-heavy cells on a CPU adapter) or launch-bound (the
 * second pass of a reduction, moving bytes) is shown but not held to the bandwidth target.
 */
import type { CompiledModel, GpuTensor, Runtime } from '../src/index.js';
import { median, memoryBound } from './harness.js';

export const FLOOR_TARGET = 0.75;

export interface KernelFloor {
  readonly workload: string;
  readonly kernel: string;
  readonly template: string;
  /** What the cost model expects to limit the kernel (see limitOf). */
  readonly limit: Limit;
  /** Distinct bound buffers' bytes (see above). */
  readonly bytes: number;
  /** The cost model's bytesRead + bytesWritten of the kernel's whole operator. */
  readonly opModelBytes: number;
  /** Median GPU ms over the profiled runs. */
  readonly gpuMs: number;
  /** Fastest of the profiled runs: on a shared machine, the run least disturbed by other load. */
  readonly bestMs: number;
  /** bytes / copy bandwidth. */
  readonly floorMs: number;
  /** floorMs / gpuMs: 1 means the kernel moves its bytes at copy speed. */
  readonly ofFloor: number;
  /** floorMs / bestMs. */
  readonly bestOfFloor: number;
}

export type Limit = 'memory' | 'compute' | 'launch' | 'matmul';

/**
 * - matmul: the operator has a matmul member (compute-bound by design; no bandwidth target);
 * - launch: moving the kernel's bytes at copy speed takes less than one launch (`launchMs`);
 * - compute: the cost model's arithmetic time for the operator (flops over its rate, times the
 *   template's share) exceeds its memory time (bytes over its template's bandwidth);
 * - memory: the rest, the kernels the 75% target is about.
 */
export function limitOf(c: CompiledModel, op: number, floorMs: number): Limit {
  if (!memoryBound(c, op)) return 'matmul';
  const p = c.profile;
  if (floorMs < p.launchMs) return 'launch';
  const cost = c.plan.costs[op]!;
  const template = c.plan.ops[op]!.template;
  // The template's bandwidth share as src/cost/op-cost.ts picks it (magg and reductions: reduce).
  const hasReduce = c.plan.ops[op]!.members.some((m) => c.plan.model.graph.node(m).op === 'reduce');
  const b = p.bandwidth;
  const share = template === 'single' ? b?.single : template === 'row' ? b?.row : hasReduce ? b?.reduce : b?.cell;
  const bw = p.bytesPerMs * Math.min(1, share ?? 1);
  const arith = p.flopsPerMs * (template === 'row' ? (p.arithmetic?.row ?? 1) : 1);
  return cost.flops / arith > (cost.bytesRead + cost.bytesWritten) / bw ? 'compute' : 'memory';
}

/** Bytes of the distinct buffers each kernel binds (uniforms excluded). */
export function kernelBytes(c: CompiledModel): number[] {
  const size = new Map(c.executable.buffers.map((b) => [b.id, b.bytes]));
  return c.executable.kernels.map((k) => [...new Set(k.buffers)].reduce((s, id) => s + (size.get(id) ?? 0), 0));
}

/** The plan operator index of each kernel, in executable order. */
export function kernelOps(c: CompiledModel): number[] {
  return c.kernelsPerOp.flatMap((n, op) => Array.from({ length: n }, () => op));
}

/**
 * Median and fastest GPU ms per kernel over `runs` profiled runs of the plan on resident inputs, after one
 * untimed run. Outputs are read back (after the kernels' timestamps, so not in them), so they are
 * written into pooled buffers: a kernel writing a fresh buffer pays the first touch of its pages
 * in its own GPU time, which on this VM is more than the kernel (a 4 MiB mul-add output: 16 ms
 * fresh, 1.7-2.0 ms pooled; bench/kept-outputs.ts).
 */
export async function profileKernels(rt: Runtime, c: CompiledModel, inputs: Readonly<Record<string, GpuTensor>>, runs: number): Promise<{ median: number[]; best: number[] }> {
  await rt.run(c, inputs);
  const ms: number[][] = c.executable.kernels.map(() => []);
  for (let r = 0; r < runs; r++) {
    const res = await rt.run(c, inputs, { profile: true });
    if (res.timings === undefined) throw new Error('the runtime cannot profile on this adapter (no timestamp-query)');
    res.timings.forEach((t, i) => ms[i]!.push(t.ms));
  }
  return { median: ms.map(median), best: ms.map((xs) => Math.min(...xs)) };
}

/** Each kernel of the plan against its floor at the given copy bandwidth (bytes per ms). */
export function kernelFloors(workload: string, c: CompiledModel, gpu: { readonly median: readonly number[]; readonly best: readonly number[] }, copyBytesPerMs: number): KernelFloor[] {
  const gpuMs = gpu.median;
  const bytes = kernelBytes(c);
  const ops = kernelOps(c);
  return c.executable.kernels.map((k, i) => {
    const op = ops[i]!;
    const cost = c.plan.costs[op]!;
    const floorMs = bytes[i]! / copyBytesPerMs;
    return {
      workload,
      kernel: k.label,
      template: c.plan.ops[op]!.template,
      limit: limitOf(c, op, floorMs),
      bytes: bytes[i]!,
      opModelBytes: cost.bytesRead + cost.bytesWritten,
      gpuMs: gpuMs[i]!,
      floorMs,
      ofFloor: gpuMs[i]! > 0 ? floorMs / gpuMs[i]! : NaN,
      bestMs: gpu.best[i]!,
      bestOfFloor: gpu.best[i]! > 0 ? floorMs / gpu.best[i]! : NaN,
    };
  });
}
