/**
 * Prints the expression DAG of a fused operator's members as WGSL `let`s. Every member is one `let`
 * per scope and evaluation context, so a value used twice is computed once per element (CSE inside
 * the kernel). Templates decide what an index is: they supply the leaf reads and the values only
 * they can compute (reduction results, the matmul accumulator) through an ExprHost.
 *
 * A context names an index space (the cell's iteration space, a row template's rows, a matmul
 * operand tile). A member is evaluated in the context of its use; its operands in the same context,
 * which is right because broadcasting composes: reading X through broadcast(A) broadcast into S
 * is reading X broadcast into S directly.
 */
import { match } from 'ts-pattern';
import { modelError } from '../ir/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Node, NodeId } from '../ir/node.js';
import { BINARY, REDUCE, UNARY, WHERE, type BinaryFn, type ReduceFn, type UnaryFn } from '../ir/ops.js';
import type { ConcreteShape } from '../ir/shape.js';
import { f32Bits, f32Literal, inputView, transposeView, type LeafView } from './views.js';
import type { Uniforms } from './wgsl.js';

export type Ctx = string;

export interface ExprHost {
  /** WGSL expression reading view `v` at the current index of `ctx` (may emit lets into scope). */
  leaf(v: LeafView, ctx: Ctx, scope: Scope): string;
  /** Whether a leaf read changes between iterations of a loop scope (default: yes). */
  varies?(v: LeafView, ctx: Ctx): boolean;
  /** A member the template computes itself, e.g. a reduction's result or the matmul accumulator. */
  special?(id: NodeId, ctx: Ctx, scope: Scope): SpecialValue | undefined;
  /** Called once a value has been given a name in a scope (the row template caches some). */
  computed?(id: NodeId, ctx: Ctx, name: string, scope: Scope): void;
}

export interface SpecialValue {
  readonly expr: string;
  /** Varies inside loop scopes (default false: results are loop-invariant). */
  readonly varies?: boolean;
}

const LANES = ['x', 'y', 'z', 'w'] as const;
// Spellings built only from operators and component-wise builtins work on vec4 as they are; the
// prelude's fp_* helpers and select(0.0, 1.0, ..) take scalars, so those ops get vec4 wrappers.
const vectorSafe = (spelling: string): boolean => !/fp_|select\(/.test(spelling);

/** One kernel's expression state: names, vec4 wrapper helpers, the member set, the host. */
export class ExprKernel {
  private counter = 0;
  private readonly helpers = new Map<string, string>();
  private readonly varyMemo = new Map<string, boolean>();

  constructor(
    readonly graph: Graph,
    readonly shapes: readonly ConcreteShape[],
    readonly members: ReadonlySet<NodeId>,
    readonly host: ExprHost,
    /** Receives the bits of constants that cannot be literals (see f32Literal). */
    readonly uniforms: Uniforms | undefined,
    /** Every value is a vec4<f32> of four consecutive elements along the innermost axis. */
    readonly vec4 = false,
  ) {}

  fresh(prefix = 'v'): string {
    return `${prefix}${this.counter++}`;
  }

  node(id: NodeId): Node {
    return this.graph.node(id);
  }

  /** The view a member reads for operand `id` (a non-member), or a transpose member's view. */
  viewFor(id: NodeId): LeafView {
    const n = this.graph.node(id);
    if (this.members.has(id)) {
      if (n.op !== 'transpose') throw modelError(`member %${id} is not a leaf`);
      const src = n.inputs[0]!;
      if (this.members.has(src)) throw modelError(`transpose member %${id} reads member %${src}; a transpose must read an operator input`);
      return transposeView(inputView(this.graph, this.shapes, src), n.perm);
    }
    return inputView(this.graph, this.shapes, id);
  }

  isLeaf(id: NodeId): boolean {
    return !this.members.has(id) || this.graph.node(id).op === 'transpose';
  }

  /** Leaf views reachable from `roots` through members (stopping at special members). */
  leavesOf(roots: readonly NodeId[], stop: (id: NodeId) => boolean = () => false): LeafView[] {
    const seen = new Set<NodeId>();
    const out: LeafView[] = [];
    const visit = (id: NodeId): void => {
      if (seen.has(id)) return;
      seen.add(id);
      if (this.isLeaf(id)) {
        out.push(this.viewFor(id));
        return;
      }
      if (stop(id)) return;
      for (const i of this.graph.node(id).inputs) visit(i);
    };
    roots.forEach(visit);
    return out;
  }

  varies(id: NodeId, ctx: Ctx): boolean {
    const key = `${ctx}:${id}`;
    const hit = this.varyMemo.get(key);
    if (hit !== undefined) return hit;
    let v: boolean;
    const sp = this.host.special?.(id, ctx, PROBE);
    if (sp !== undefined) v = sp.varies === true;
    else if (this.isLeaf(id)) {
      const view = this.viewFor(id);
      v = view.scalar === undefined && (this.host.varies?.(view, ctx) ?? true);
    } else v = this.graph.node(id).inputs.some((i) => this.varies(i, ctx));
    this.varyMemo.set(key, v);
    return v;
  }

  literal(x: number): string {
    let lit = f32Literal(x);
    if (lit === undefined) {
      if (this.uniforms === undefined) throw new Error('a zero or subnormal constant needs the kernel uniforms');
      lit = `bitcast<f32>(${this.uniforms.bits(f32Bits(x))})`;
    }
    return this.vec4 ? `vec4<f32>(${lit})` : lit;
  }

  unary(fn: UnaryFn, a: string): string {
    const w = UNARY[fn].wgsl;
    if (!this.vec4 || vectorSafe(w('a'))) return w(a);
    return this.helper(`v4_${fn}`, `fn v4_${fn}(a: vec4<f32>) -> vec4<f32> { return vec4<f32>(${LANES.map((c) => w(`a.${c}`)).join(', ')}); }`, [a]);
  }

  binary(fn: BinaryFn, a: string, b: string): string {
    const w = BINARY[fn].wgsl;
    if (!this.vec4 || vectorSafe(w('a', 'b'))) return w(a, b);
    const body = LANES.map((c) => w(`a.${c}`, `b.${c}`)).join(', ');
    return this.helper(`v4_${fn}`, `fn v4_${fn}(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> { return vec4<f32>(${body}); }`, [a, b]);
  }

  where(c: string, a: string, b: string): string {
    if (!this.vec4) return WHERE.wgsl(c, a, b);
    const body = LANES.map((l) => WHERE.wgsl(`c.${l}`, `a.${l}`, `b.${l}`)).join(', ');
    return this.helper('v4_where', `fn v4_where(c: vec4<f32>, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> { return vec4<f32>(${body}); }`, [c, a, b]);
  }

  /** acc <- acc (op) x for a reduction; on vec4 values when `vec` (default: this kernel's mode). */
  reduce(fn: ReduceFn, acc: string, x: string, vec = this.vec4): string {
    const w = REDUCE[fn].wgsl;
    if (!vec || vectorSafe(w('a', 'b'))) return w(acc, x);
    const body = LANES.map((c) => w(`a.${c}`, `b.${c}`)).join(', ');
    return this.helper(`v4_r${fn}`, `fn v4_r${fn}(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> { return vec4<f32>(${body}); }`, [acc, x]);
  }

  /** Combines the four lanes of a vec4 accumulator into one f32. */
  reduceLanes(fn: ReduceFn, acc: string): string {
    const w = REDUCE[fn].wgsl;
    return w(w(`${acc}.x`, `${acc}.y`), w(`${acc}.z`, `${acc}.w`));
  }

  identity(fn: ReduceFn, vec = this.vec4): string {
    const id = REDUCE[fn].wgslIdentity;
    return vec ? `vec4<f32>(${id})` : id;
  }

  private helper(name: string, source: string, args: readonly string[]): string {
    this.helpers.set(name, source);
    return `${name}(${args.join(', ')})`;
  }

  /** The vec4 wrapper functions this kernel used, to print after the prelude. */
  helperSource(): string {
    return [...this.helpers.values()].join('\n');
  }

  scope(): Scope {
    return new Scope(this, undefined, false);
  }
}

/** A block of `let`s. Values computed in an enclosing scope are visible in nested ones. */
export class Scope {
  readonly lines: string[] = [];
  private readonly memo = new Map<string, string>();

  constructor(
    readonly k: ExprKernel,
    readonly parent: Scope | undefined,
    /** Loop bodies hoist values that do not vary per iteration into the nearest non-loop scope. */
    readonly loop: boolean,
  ) {}

  child(loop = false): Scope {
    return new Scope(this.k, this, loop);
  }

  lookup(key: string): string | undefined {
    return this.memo.get(key) ?? this.parent?.lookup(key);
  }

  remember(key: string, name: string): void {
    this.memo.set(key, name);
  }

  /** Emits `let name = expr;` and returns the name. */
  let(expr: string, prefix = 'v'): string {
    const name = this.k.fresh(prefix);
    this.lines.push(`let ${name} = ${expr};`);
    return name;
  }

  line(s: string): void {
    this.lines.push(s);
  }

  /** The WGSL name (or literal) of member or leaf `id` evaluated at the current index of `ctx`. */
  value(id: NodeId, ctx: Ctx): string {
    const key = `${ctx}:${id}`;
    const hit = this.lookup(key);
    if (hit !== undefined) return hit;
    if (this.loop && this.parent !== undefined && !this.k.varies(id, ctx)) return this.parent.value(id, ctx);
    const name = this.compute(id, ctx);
    this.memo.set(key, name);
    this.k.host.computed?.(id, ctx, name, this);
    return name;
  }

  private compute(id: NodeId, ctx: Ctx): string {
    const k = this.k;
    const sp = k.host.special?.(id, ctx, this);
    if (sp !== undefined) return sp.expr;
    if (k.isLeaf(id)) {
      const view = k.viewFor(id);
      if (view.scalar !== undefined) return k.literal(view.scalar);
      return this.let(k.host.leaf(view, ctx, this), 'x');
    }
    const n = k.node(id);
    const arg = (i: number): string => this.value(n.inputs[i]!, ctx);
    return match(n)
      .with({ op: 'unary' }, (x) => this.let(k.unary(x.fn, arg(0))))
      .with({ op: 'binary' }, (x) => this.let(k.binary(x.fn, arg(0), arg(1))))
      .with({ op: 'where' }, () => this.let(k.where(arg(0), arg(1), arg(2))))
      .with({ op: 'broadcast' }, () => arg(0))
      // Templates compute reductions and the matmul themselves (ExprHost.special); the rest are leaves.
      .with({ op: 'reduce' }, { op: 'matmul' }, { op: 'transpose' }, { op: 'input' }, { op: 'const' }, { op: 'reshape' }, () => {
        throw modelError(`member %${id} (${n.op}) cannot be evaluated elementwise here`);
      })
      .exhaustive();
  }
}

/** A scope that only answers `varies` probes of special members (no code is emitted into it). */
const PROBE = new Proxy({} as Scope, {
  get() {
    throw new Error('ExprHost.special must not emit code when probed for variance');
  },
});
