/**
 * What every template produces and shares: kernel drafts over symbolic buffer slots (the memory
 * planner maps slots to buffers later), storage binding bookkeeping, and the limit check.
 */
import type { Indexing } from '../wgsl.js';
import { limitError, modelError } from '../../ir/errors.js';
import type { Graph } from '../../ir/graph.js';
import type { NodeId } from '../../ir/node.js';
import type { ConcreteShape } from '../../ir/shape.js';
import type { FusedOp } from '../../plan/plan.js';
import type { DeviceLimits } from '../../ir/limits.js';
import { aliasBase } from '../../ir/alias.js';

/** A buffer a kernel binds: a tensor (by the node owning its buffer) or the op's scratch #i. */
export type Slot = { readonly node: NodeId } | { readonly scratch: number };

export interface KernelDraft {
  /** Appended to the op's label, e.g. 'pass 1'. */
  readonly part?: string;
  readonly wgsl: string;
  readonly uniforms: Uint32Array;
  readonly dispatch: readonly [number, number, number];
  readonly reads: readonly Slot[];
  readonly writes: readonly Slot[];
  /** Bytes of the kernel's `var<workgroup>` arrays (from its WorkgroupMemory). */
  readonly workgroupBytes: number;
}

export interface OpLowering {
  readonly kernels: readonly KernelDraft[];
  /** Bytes of each scratch slot the kernels use (live only while this op runs). */
  readonly scratchBytes: readonly number[];
}

export interface TemplateContext {
  readonly graph: Graph;
  readonly shapes: readonly ConcreteShape[];
  readonly op: FusedOp;
  readonly members: ReadonlySet<NodeId>;
  readonly limits: DeviceLimits;
  /** Sizes as WGSL literals or uniforms (see Indexing). */
  readonly indexing: Indexing;
  /** Tensors (by buffer-owning node) stored as f16: loaded into f32, stored from f32. */
  readonly f16?: ReadonlySet<NodeId>;
}

export const opName = (op: FusedOp): string => `op ${op.id} (${op.template}, members ${op.members.map((m) => `%${m}`).join(' ')})`;

export function templateError(op: FusedOp, msg: string): Error {
  return modelError(`${opName(op)}: ${msg}`);
}

type ElemType = 'f32' | 'vec4<f32>';
interface Binding {
  readonly slot: Slot;
  readonly name: string;
  type: ElemType;
  /** Stored as f16: declared with f16 elements, converted at every load and store. */
  readonly half: boolean;
}

/**
 * Storage bindings of one kernel: read-only buffers first, then read_write ones, each buffer once.
 * Element types are fixed before any expression is printed, since reads are spelled differently
 * for vec4 arrays. Templates spell every buffer access through load/scalarAt/store, so that f16
 * buffers convert at the kernel's boundary (wgsl.ts's F16_HELPERS) and the arithmetic inside
 * stays f32.
 */
export class Bindings {
  private readonly reads = new Map<string, Binding>();
  private readonly writes: Binding[] = [];
  private readonly byName = new Map<string, Binding>();
  private n = 0;

  constructor(private readonly ctx: TemplateContext) {}

  private key(slot: Slot): string {
    return 'node' in slot ? `n${aliasBase(this.ctx.graph, slot.node)}` : `s${slot.scratch}`;
  }

  private half(slot: Slot): boolean {
    return 'node' in slot && (this.ctx.f16?.has(aliasBase(this.ctx.graph, slot.node)) ?? false);
  }

  private add(b: Binding): string {
    this.byName.set(b.name, b);
    return b.name;
  }

  /** Declares a read of a slot; vec4 if any read of it is (scalar reads then index lanes). */
  read(slot: Slot, vec4 = false): string {
    const key = this.key(slot);
    const hit = this.reads.get(key);
    if (hit !== undefined) {
      if (vec4) hit.type = 'vec4<f32>';
      return hit.name;
    }
    const b: Binding = { slot, name: `b${this.n++}`, type: vec4 ? 'vec4<f32>' : 'f32', half: this.half(slot) };
    this.reads.set(key, b);
    return this.add(b);
  }

  isVec4(name: string): boolean {
    return this.byName.get(name)?.type === 'vec4<f32>';
  }

  /** Whether the kernel binds an f16 buffer (it then needs `enable f16;`). */
  get usesF16(): boolean {
    return [...this.byName.values()].some((b) => b.half);
  }

  /** Element `index` of a buffer in its declared element type, as f32 (or vec4<f32>). */
  load(name: string, index: string): string {
    const b = this.byName.get(name);
    const raw = `${name}[${index}]`;
    if (b === undefined || !b.half) return raw;
    return b.type === 'vec4<f32>' ? `f16x4_load(${raw})` : `f16_load(${raw})`;
  }

  /** Scalar read of element `offset` of a read buffer, whichever element type it was given. */
  scalarAt(name: string, offset: string): string {
    if (!this.isVec4(name)) return this.load(name, offset);
    const lane = `${name}[(${offset}) >> 2u][(${offset}) & 3u]`;
    return this.byName.get(name)!.half ? `f16_load(${lane})` : lane;
  }

  /** The statement storing an f32 (or vec4<f32>) value at element `index` of a written buffer. */
  store(name: string, index: string, value: string): string {
    const b = this.byName.get(name);
    if (b === undefined || !b.half) return `${name}[${index}] = ${value};`;
    return `${name}[${index}] = ${b.type === 'vec4<f32>' ? 'f16x4_store' : 'f16_store'}(${value});`;
  }

  readName(slot: Slot): string {
    const r = this.reads.get(this.key(slot));
    if (r === undefined) throw new Error(`slot ${this.key(slot)} was not declared`);
    return r.name;
  }

  write(slot: Slot, vec4 = false): string {
    const b: Binding = { slot, name: `o${this.writes.length}`, type: vec4 ? 'vec4<f32>' : 'f32', half: this.half(slot) };
    this.writes.push(b);
    return this.add(b);
  }

  get count(): number {
    return this.reads.size + this.writes.length;
  }

  decls(): string {
    const all = [...this.reads.values()].map((r) => ({ ...r, mode: 'read' })).concat(this.writes.map((w) => ({ ...w, mode: 'read_write' })));
    const elem = (b: Binding): string => (b.half ? b.type.replace('f32', 'f16') : b.type);
    return all.map((b, i) => `@group(0) @binding(${i}) var<storage, ${b.mode}> ${b.name}: array<${elem(b)}>;`).join('\n');
  }

  /** Checks the binding count against the device limit; the planner is meant to prevent this. */
  check(): void {
    const max = this.ctx.limits.maxStorageBuffersPerShaderStage;
    if (this.count > max) {
      throw limitError(`${opName(this.ctx.op)} needs ${this.count} storage buffers in one kernel; the device allows ${max} per shader stage`);
    }
  }

  slots(): { reads: Slot[]; writes: Slot[] } {
    return { reads: [...this.reads.values()].map((r) => r.slot), writes: this.writes.map((w) => w.slot) };
  }
}

/** Checks a kernel's workgroup memory against the device limit (maxComputeWorkgroupStorageSize). */
export function checkWorkgroupMemory(ctx: TemplateContext, k: KernelDraft): void {
  const max = ctx.limits.maxComputeWorkgroupStorageSize;
  const which = k.part !== undefined ? ` (${k.part})` : '';
  if (k.workgroupBytes > max) throw limitError(`${opName(ctx.op)}${which} needs ${k.workgroupBytes} bytes of workgroup memory; the device allows ${max}`);
}
