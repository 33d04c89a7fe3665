/**
 * Per-kernel GPU time from timestamp queries: each kernel's compute pass writes a timestamp at its
 * beginning and end. Query sets hold at most 4096 queries, so long programs use several.
 */
import type { KernelSpec } from '../codegen/kernel.js';
import type { RunBuffers } from './buffers.js';
import type { KernelTiming } from './types.js';
import { BufferUsage, MapMode } from './usage.js';

const MAX_QUERIES = 4096;

export class Profiler {
  private readonly sets: GPUQuerySet[] = [];
  private staging: GPUBuffer | null = null;

  constructor(private readonly device: GPUDevice, private readonly run: RunBuffers, private readonly kernels: readonly KernelSpec[]) {
    for (let left = kernels.length * 2; left > 0; left -= MAX_QUERIES) {
      const count = Math.min(left, MAX_QUERIES);
      this.sets.push(run.adoptQuerySet(device.createQuerySet({ label: 'fuseplan profile', type: 'timestamp', count })));
    }
  }

  /** The timestampWrites for kernel i's pass. */
  writesFor(i: number): GPUComputePassTimestampWrites {
    const q = i * 2;
    const set = this.sets[Math.floor(q / MAX_QUERIES)];
    if (set === undefined) throw new Error(`no query set for kernel ${i}`);
    const at = q % MAX_QUERIES;
    return { querySet: set, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 };
  }

  /** After all passes: resolve every set into one buffer and copy it to a mappable one. */
  encodeResolve(encoder: GPUCommandEncoder): void {
    const total = this.kernels.length * 2 * 8;
    if (total === 0) return;
    const resolved = this.run.create({ label: 'fuseplan timestamps', size: total, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    this.staging = this.run.create({ label: 'fuseplan timestamps readback', size: total, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.sets.forEach((set, s) => encoder.resolveQuerySet(set, 0, set.count, resolved, s * MAX_QUERIES * 8));
    encoder.copyBufferToBuffer(resolved, 0, this.staging, 0, total);
  }

  /** Started right after submit so it maps concurrently with the output readbacks. */
  async read(): Promise<KernelTiming[]> {
    const staging = this.staging;
    if (staging === null) return [];
    await staging.mapAsync(MapMode.READ);
    const ns = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    return this.kernels.map((k, i) => {
      const begin = ns[i * 2] ?? 0n;
      const end = ns[i * 2 + 1] ?? 0n;
      // Timestamps can come back out of order across passes on some drivers; never report < 0.
      const ms = end > begin ? Number(end - begin) / 1e6 : 0;
      return k.op !== undefined ? { label: k.label, op: k.op, ms } : { label: k.label, ms };
    });
  }
}
