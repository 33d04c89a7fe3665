/**
 * Bind groups reused across runs. Repeated runs of a plan get the same buffers back from the pool
 * (in the same order, see RunBuffers.releaseAll) and bind resident tensors by the same buffer, so
 * their bind groups are identical to the previous run's; creating them again is wasted work per
 * kernel per run. Entries are keyed by the layout and the exact buffer ranges, and dropped when a
 * buffer they name is destroyed.
 */

const DEFAULT_CAPACITY = 4096;

export class BindGroupCache {
  private readonly groups = new Map<string, { group: GPUBindGroup; buffers: readonly GPUBuffer[] }>();
  private readonly byBuffer = new Map<GPUBuffer, Set<string>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private made = 0;

  constructor(private readonly device: GPUDevice, private readonly capacity = DEFAULT_CAPACITY) {}

  /** Bind groups created so far (cache misses), for stats and tests. */
  get created(): number {
    return this.made;
  }

  get size(): number {
    return this.groups.size;
  }

  get(label: string, layout: GPUBindGroupLayout, entries: readonly GPUBindGroupEntry[]): GPUBindGroup {
    const key = this.key(layout, entries);
    const hit = this.groups.get(key);
    if (hit !== undefined) return hit.group;
    const group = this.device.createBindGroup({ label, layout, entries: [...entries] });
    this.made++;
    const buffers = entries.map((e) => (e.resource as GPUBufferBinding).buffer);
    this.groups.set(key, { group, buffers });
    for (const b of buffers) {
      const keys = this.byBuffer.get(b) ?? new Set<string>();
      keys.add(key);
      this.byBuffer.set(b, keys);
    }
    if (this.groups.size > this.capacity) this.drop(this.groups.keys().next().value!);
    return group;
  }

  /** Forgets every bind group that names this buffer (called when the buffer is destroyed). */
  forgetBuffer(buffer: GPUBuffer): void {
    const keys = this.byBuffer.get(buffer);
    if (keys === undefined) return;
    for (const k of [...keys]) this.drop(k);
    this.byBuffer.delete(buffer);
  }

  clear(): void {
    this.groups.clear();
    this.byBuffer.clear();
  }

  private drop(key: string): void {
    const entry = this.groups.get(key);
    if (entry === undefined) return;
    this.groups.delete(key);
    for (const b of entry.buffers) {
      const keys = this.byBuffer.get(b);
      keys?.delete(key);
      if (keys !== undefined && keys.size === 0) this.byBuffer.delete(b);
    }
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  private key(layout: GPUBindGroupLayout, entries: readonly GPUBindGroupEntry[]): string {
    const parts = entries.map((e) => {
      const r = e.resource as GPUBufferBinding;
      return `${e.binding}:${this.id(r.buffer)}:${r.offset ?? 0}:${r.size ?? '*'}`;
    });
    return `${this.id(layout)}|${parts.join(',')}`;
  }
}
