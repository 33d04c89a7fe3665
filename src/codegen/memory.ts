/**
 * Liveness-based buffer reuse for intermediates. Kernels run in one queue in order, so a buffer is
 * free for a later op's output as soon as the last op reading its previous tenant has run. The
 * reading op itself may not get it: a kernel must never write a buffer it reads (WebGPU forbids
 * binding it twice, and the data would be overwritten while still needed). Two-pass scratch is a
 * tenant that lives exactly during its op.
 */

export interface MemoryStep {
  /** Pooled tensors this step reads (each written by an earlier step). */
  readonly reads: readonly number[];
  /** Pooled tensors this step writes, with their sizes in bytes. */
  readonly writes: readonly { readonly id: number; readonly bytes: number }[];
  /** Scratch buffers (bytes) that live only while this step runs. */
  readonly scratch: readonly number[];
}

export interface PhysicalBuffer {
  bytes: number;
  /** Tenants in order: tensor ids, or `s<step>.<slot>` for scratch. */
  readonly tenants: (number | string)[];
}

export interface MemoryPlan {
  /** Physical buffer index of every pooled tensor. */
  readonly tensorBuffer: ReadonlyMap<number, number>;
  /** Per step, the physical buffer of each of its scratch slots. */
  readonly scratchBuffer: readonly (readonly number[])[];
  readonly buffers: readonly PhysicalBuffer[];
  /** Max over steps of the bytes of live tensors plus that step's scratch. */
  readonly peakBytes: number;
  /** Sum of all pooled tensor sizes (what materializing everything separately would take). */
  readonly totalTensorBytes: number;
  /** Sum of physical buffer sizes: what the runtime actually allocates for the pool. */
  readonly allocatedBytes: number;
}

const roundUp4 = (n: number): number => Math.max(4, Math.ceil(n / 4) * 4);

export function planMemory(steps: readonly MemoryStep[]): MemoryPlan {
  const lastUse = new Map<number, number>();
  steps.forEach((s, i) => {
    for (const w of s.writes) lastUse.set(w.id, Math.max(lastUse.get(w.id) ?? i, i));
    for (const r of s.reads) {
      if (!lastUse.has(r)) throw new Error(`memory plan: step ${i} reads tensor ${r} before any step writes it`);
      lastUse.set(r, Math.max(lastUse.get(r)!, i));
    }
  });
  const endsAt = new Map<number, number[]>();
  for (const [t, last] of lastUse) endsAt.set(last, [...(endsAt.get(last) ?? []), t]);
  const buffers: PhysicalBuffer[] = [];
  const free = new Set<number>();
  const tensorBuffer = new Map<number, number>();
  const sizeOf = new Map<number, number>();
  // releaseAt[i]: buffers whose tenant is last read by step i - 1, so step i may reuse them.
  const releaseAt = new Map<number, number[]>();
  const release = (step: number, buf: number): void => {
    releaseAt.set(step, [...(releaseAt.get(step) ?? []), buf]);
  };
  const scratchBuffer: number[][] = [];
  let live = 0;
  let peak = 0;
  let total = 0;

  const take = (bytes: number, tenant: number | string): number => {
    // Best fit among free buffers; else grow the largest free one (cheaper than a new buffer).
    let best = -1;
    let largest = -1;
    for (const f of free) {
      const fb = buffers[f]!.bytes;
      if (fb >= bytes && (best < 0 || fb < buffers[best]!.bytes)) best = f;
      if (largest < 0 || fb > buffers[largest]!.bytes) largest = f;
    }
    let id = best >= 0 ? best : largest;
    if (id < 0) {
      id = buffers.length;
      buffers.push({ bytes, tenants: [] });
    } else {
      free.delete(id);
      buffers[id]!.bytes = Math.max(buffers[id]!.bytes, bytes);
    }
    buffers[id]!.tenants.push(tenant);
    return id;
  };

  steps.forEach((s, i) => {
    for (const b of releaseAt.get(i) ?? []) free.add(b);
    for (const w of s.writes) {
      const bytes = roundUp4(w.bytes);
      const id = take(bytes, w.id);
      tensorBuffer.set(w.id, id);
      sizeOf.set(w.id, bytes);
      total += bytes;
      live += bytes;
      release(lastUse.get(w.id)! + 1, id);
    }
    const sc = s.scratch.map((bytes, j) => take(roundUp4(bytes), `s${i}.${j}`));
    scratchBuffer.push(sc);
    const scratchBytes = s.scratch.reduce((a, b) => a + roundUp4(b), 0);
    peak = Math.max(peak, live + scratchBytes);
    sc.forEach((id) => release(i + 1, id));
    // Tensors whose last reader is this step stop counting as live after it.
    for (const t of endsAt.get(i) ?? []) live -= sizeOf.get(t)!;
  });
  return {
    tensorBuffer,
    scratchBuffer,
    buffers,
    peakBytes: peak,
    totalTensorBytes: total,
    allocatedBytes: buffers.reduce((a, b) => a + b.bytes, 0),
  };
}
