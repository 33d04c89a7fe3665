/**
 * Buffer bookkeeping. Every GPU buffer the runtime makes goes through a BufferTracker so that
 * stats() can report what is alive (leak tests compare it to a baseline) and a run can destroy all
 * of its buffers in one place, on success and on failure alike.
 */

export class BufferTracker {
  private readonly live = new Map<GPUBuffer, number>();
  private bytes = 0;

  constructor(private readonly device: GPUDevice) {}

  /**
   * Creates a buffer, optionally initialised through mappedAtCreation (no staging copy, and unlike
   * queue.writeBuffer no second host-side copy of large inputs).
   */
  create(desc: GPUBufferDescriptor, init?: (range: ArrayBuffer) => void): GPUBuffer {
    const buffer = this.device.createBuffer({ ...desc, mappedAtCreation: init !== undefined });
    this.live.set(buffer, desc.size);
    this.bytes += desc.size;
    if (init !== undefined) {
      try {
        init(buffer.getMappedRange());
      } finally {
        buffer.unmap();
      }
    }
    return buffer;
  }

  destroy(buffer: GPUBuffer): void {
    const size = this.live.get(buffer);
    if (size === undefined) return;
    this.live.delete(buffer);
    this.bytes -= size;
    buffer.destroy();
  }

  get count(): number {
    return this.live.size;
  }

  get liveBytes(): number {
    return this.bytes;
  }

  /** Forgets everything; used when the device itself goes away (destroying it frees them all). */
  clear(): void {
    this.live.clear();
    this.bytes = 0;
  }
}

/** The buffers of one run, destroyed together. */
export class RunBuffers {
  private readonly owned: GPUBuffer[] = [];
  private readonly querySets: GPUQuerySet[] = [];

  constructor(private readonly tracker: BufferTracker) {}

  create(desc: GPUBufferDescriptor, init?: (range: ArrayBuffer) => void): GPUBuffer {
    const b = this.tracker.create(desc, init);
    this.owned.push(b);
    return b;
  }

  adoptQuerySet(q: GPUQuerySet): GPUQuerySet {
    this.querySets.push(q);
    return q;
  }

  /**
   * Safe right after submit: WebGPU defers the actual free until queued work using the buffer is
   * done, and a pending mapAsync on a destroyed buffer rejects rather than hangs.
   */
  destroyAll(): void {
    for (const b of this.owned.splice(0)) this.tracker.destroy(b);
    for (const q of this.querySets.splice(0)) q.destroy();
  }
}
