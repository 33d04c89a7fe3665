/**
 * Buffer bookkeeping. Every GPU buffer the runtime makes goes through a BufferTracker so that
 * stats() can report what is alive (leak tests compare it to a baseline) and a run can destroy all
 * of its buffers in one place, on success and on failure alike.
 */

export class BufferTracker {
  private readonly live = new Map<GPUBuffer, number>();
  private bytes = 0;

  /** `onDestroy` hears of every buffer destroyed (the bind group cache drops groups naming it). */
  constructor(private readonly device: GPUDevice, private readonly onDestroy?: (buffer: GPUBuffer) => void) {}

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
    this.onDestroy?.(buffer);
    buffer.destroy();
  }

  /** Destroys every buffer still alive: a runtime on a device it does not own must free its own. */
  destroyAll(): void {
    for (const b of [...this.live.keys()]) this.destroy(b);
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

/**
 * Idle GPU buffers kept between runs, keyed by usage and size. Creating buffers is a large part of
 * a small run on lavapipe (a 16 MiB elementwise run spent more time creating and zero-filling its
 * buffers than in its kernel), so repeated runs of a plan reuse the previous run's buffers.
 * Bounded by bytes; `trim()` frees everything idle.
 */
export class BufferPool {
  private readonly idle = new Map<string, GPUBuffer[]>();
  private idleBytes = 0;
  private idleCount = 0;

  constructor(
    private readonly tracker: BufferTracker,
    /** Idle bytes kept at most; 0 disables pooling. */
    private readonly capBytes: number,
  ) {}

  private static key(size: number, usage: number): string {
    return `${usage}:${size}`;
  }

  take(size: number, usage: number): GPUBuffer | undefined {
    const list = this.idle.get(BufferPool.key(size, usage));
    const b = list?.pop();
    if (b !== undefined) {
      this.idleBytes -= size;
      this.idleCount--;
    }
    return b;
  }

  give(buffer: GPUBuffer, size: number, usage: number): void {
    if (this.idleBytes + size > this.capBytes) {
      this.tracker.destroy(buffer);
      return;
    }
    const k = BufferPool.key(size, usage);
    const list = this.idle.get(k) ?? [];
    list.push(buffer);
    this.idle.set(k, list);
    this.idleBytes += size;
    this.idleCount++;
  }

  get bytes(): number {
    return this.idleBytes;
  }

  get count(): number {
    return this.idleCount;
  }

  trim(): void {
    for (const list of this.idle.values()) for (const b of list) this.tracker.destroy(b);
    this.idle.clear();
    this.idleBytes = 0;
    this.idleCount = 0;
  }
}

/** The buffers of one run, returned to the pool (or destroyed) together. */
export class RunBuffers {
  private readonly owned: { buffer: GPUBuffer; size: number; usage: number }[] = [];
  private readonly querySets: GPUQuerySet[] = [];

  constructor(
    private readonly tracker: BufferTracker,
    private readonly pool?: BufferPool,
    private readonly queue?: GPUQueue,
  ) {}

  /**
   * A buffer for this run: a pooled one when available (initialised with queue.writeBuffer, which
   * is ordered after earlier submissions), else a new one (initialised through mappedAtCreation).
   * Pooled buffers hold stale data, not zeros: kernels must write every element they own, which
   * the poison option checks.
   */
  create(desc: GPUBufferDescriptor, init?: (range: ArrayBuffer) => void): GPUBuffer {
    const usage = Number(desc.usage);
    const reused = this.pool?.take(desc.size, usage);
    if (reused !== undefined && this.queue !== undefined) {
      if (init !== undefined) {
        const staging = new ArrayBuffer(desc.size);
        init(staging);
        this.queue.writeBuffer(reused, 0, staging);
      }
      this.owned.push({ buffer: reused, size: desc.size, usage });
      return reused;
    }
    if (reused !== undefined) this.tracker.destroy(reused);
    const b = this.tracker.create(desc, init);
    this.owned.push({ buffer: b, size: desc.size, usage });
    return b;
  }

  adoptQuerySet(q: GPUQuerySet): GPUQuerySet {
    this.querySets.push(q);
    return q;
  }

  /**
   * Takes a buffer out of the run (it becomes a GPU tensor's): neither pooled nor destroyed with
   * the run's other buffers, so no later run can overwrite it.
   */
  detach(buffer: GPUBuffer): void {
    const i = this.owned.findIndex((o) => o.buffer === buffer);
    if (i >= 0) this.owned.splice(i, 1);
  }

  /**
   * After a run completed (outputs read back): buffers go back to the pool. Mapped staging
   * buffers are unmapped by then. Given back in reverse so that the pool (a stack per size) hands
   * the next run of the same plan the same buffer for each spec, and its cached bind groups match.
   */
  releaseAll(): void {
    for (const o of this.owned.splice(0).reverse()) {
      if (this.pool !== undefined && o.buffer.mapState === 'unmapped') this.pool.give(o.buffer, o.size, o.usage);
      else this.tracker.destroy(o.buffer);
    }
    for (const q of this.querySets.splice(0)) q.destroy();
  }

  /**
   * After a failure. Safe right after submit: WebGPU defers the actual free until queued work
   * using the buffer is done, and a pending mapAsync on a destroyed buffer rejects rather than hangs.
   */
  destroyAll(): void {
    for (const o of this.owned.splice(0)) this.tracker.destroy(o.buffer);
    for (const q of this.querySets.splice(0)) q.destroy();
  }
}
