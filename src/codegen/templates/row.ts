/**
 * Row template: programs over the rows of an operand space S (C = last axis) whose reductions over
 * the last axis are used again in the same row (softmax, layer norm). A segment of T lanes
 * (invocations) owns a row; lane l owns elements j = l, l + T, ... T is the smallest power of two
 * that puts MIN_LANES lanes to work over all rows (at most a workgroup, and at least 4 elements a
 * lane): many rows get a lane each and no barriers at all, few long rows a workgroup each. On
 * lavapipe barriers are expensive and one lane per row won by 3-10x wherever there were enough rows
 * (docs/codegen.md); a real GPU wants more lanes in flight, which is the MIN_LANES knob.
 *
 * A member's level is the number of reductions it depends on in sequence. Phase p is one loop over
 * the lane's elements: it evaluates level-p values, accumulates the reductions of level p + 1 and
 * stores level-p element outputs; then a tree in workgroup memory finishes those reductions (T > 1)
 * and every lane of the row reads their results. Element values computed in one phase and needed
 * in a later one are kept in private arrays when a lane's share of the row is small
 * (<= CACHE_MAX), so softmax and layer norm read their row once and write it once; otherwise they
 * are recomputed from memory in each phase.
 *
 * Contexts: 'e' evaluates at an element (row, j) of S; 'r' at a row of S without its last axis,
 * for values downstream of reductions without keepDims.
 */
import { sameShape } from '../../ir/graph.js';
import type { NodeId, ReduceNode } from '../../ir/node.js';
import { broadcastShapes, numel } from '../../ir/shape.js';
import { ExprKernel, type Ctx, type ExprHost, type Scope, type SpecialValue } from '../expr.js';
import { stridesIn, viewKey, type LeafView } from '../views.js';
import { blockedSumDecls, blockedSumFinish, blockedSumStep, computeBuiltins, dispatch1d, kernelSource, linearGroup, SUM_BLOCK, Uniforms, WORKGROUP, WorkgroupMemory } from '../wgsl.js';
import { Bindings, templateError, type OpLowering, type TemplateContext } from './common.js';
import { decompose, dot } from './index-math.js';

/** Lanes to keep busy over all rows; fewest elements per lane. */
const MIN_LANES = 2048;
const MIN_PER_LANE = 4;
/** Longest private cache per lane and cached value (in elements). */
const CACHE_MAX = 16;

const PENDING = '/*pending reduction*/';
const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export interface RowOptions {
  /** Lanes per row (a power of two up to 256); default from MIN_LANES. */
  readonly lanes?: number;
  /** Lanes to keep busy over all rows (default MIN_LANES). */
  readonly minLanes?: number;
  /** Longest private cache per lane (default CACHE_MAX); 0 disables caching. */
  readonly cacheMax?: number;
}

/** The row program's shape: its iteration space, rows, lanes per row and phases. */
interface RowGeometry {
  readonly reds: readonly ReduceNode[];
  /** The operand space; C its last extent; Srow the rows (S without its last axis), R of them. */
  readonly S: readonly number[];
  readonly Srow: readonly number[];
  readonly C: number;
  readonly R: number;
  readonly outKinds: readonly ('elem' | 'keep' | 'row')[];
  /** How many reductions a value depends on in sequence. */
  readonly level: (id: NodeId) => number;
  readonly phases: number;
  /** Lanes per row, rows per workgroup, elements per lane (a power of two), workgroups. */
  readonly T: number;
  readonly rowsPerGroup: number;
  readonly perLane: number;
  readonly groups: number;
  /** A lane's share of the row is kept in private arrays between phases. */
  readonly caching: boolean;
}

export function rowTemplate(ctx: TemplateContext, opts: RowOptions = {}): OpLowering {
  const geo = rowGeometry(ctx, opts);
  const probe = new ExprKernel(ctx.graph, ctx.shapes, ctx.members, { leaf: () => '' }, undefined);
  const b = new Bindings(ctx);
  for (const v of probe.leavesOf(ctx.op.members)) if (v.scalar === undefined) b.read({ node: v.base });
  const outNames = ctx.op.outputs.map((o) => b.write({ node: o }));
  b.check();

  const writer = new RowWriter(ctx, geo, b, outNames);
  // With caching, a first run finds which values a later phase uses again.
  if (geo.caching) writer.generate(true);
  const { k, u, lines, shared } = writer.generate(false);
  const main = `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  ${lines.join('\n  ')}\n}`;
  const wgsl = kernelSource([k.helperSource(), b.decls(), u.decl(b.count), ...shared.decls(), main].filter((s) => s !== ''));
  if (wgsl.includes(PENDING)) throw templateError(ctx.op, 'a reduction is used before the phase that computes it');
  return {
    kernels: [{ wgsl, uniforms: u.data(), dispatch: dispatch1d(geo.groups, ctx.limits.maxComputeWorkgroupsPerDimension), ...b.slots(), workgroupBytes: shared.bytes }],
    scratchBytes: [],
  };
}

/** The op's reductions, each over the last axis of its operand; no matmul members. */
function rowReductions(ctx: TemplateContext): ReduceNode[] {
  const { op, graph, shapes } = ctx;
  const reds = op.members.map((m) => graph.node(m)).filter((n): n is ReduceNode => n.op === 'reduce');
  if (reds.length === 0) throw templateError(op, 'a row op needs a reduction over the last axis');
  for (const m of op.members) if (graph.node(m).op === 'matmul') throw templateError(op, `member %${m} (matmul) needs the matmul template`);
  for (const r of reds) {
    const rank = shapes[r.inputs[0]!]!.length;
    if (r.axes.length !== 1 || r.axes[0] !== rank - 1) throw templateError(op, `reduction %${r.id} is not over the last axis of its operand`);
  }
  return reds;
}

function rowGeometry(ctx: TemplateContext, opts: RowOptions): RowGeometry {
  const { op, graph, shapes } = ctx;
  const reds = rowReductions(ctx);
  let S: number[] = reds.reduce<number[]>((s, r) => broadcastShapes(s, shapes[r.inputs[0]!]!) as number[], []);
  const C = S[S.length - 1]!;
  for (const o of op.outputs) {
    const s = shapes[o]!;
    if (s.length >= S.length && s[s.length - 1] === C) S = broadcastShapes(S, s) as number[];
  }
  const Srow = S.slice(0, -1);
  const R = numel(Srow);
  const kind = (o: NodeId): 'elem' | 'keep' | 'row' => {
    const s = shapes[o]!;
    if (sameShape(s, S)) return 'elem';
    if (sameShape(s, [...Srow, 1])) return 'keep';
    if (sameShape(s, Srow)) return 'row';
    throw templateError(op, `output %${o} has shape [${s.join(', ')}]; a row op over [${S.join(', ')}] writes that shape, or one value per row`);
  };
  const outKinds = op.outputs.map(kind);

  const levels = new Map<NodeId, number>();
  const level = (id: NodeId): number => {
    const hit = levels.get(id);
    if (hit !== undefined) return hit;
    const n = graph.node(id);
    let l = 0;
    if (ctx.members.has(id) && n.op !== 'transpose') {
      const ins = n.inputs.map(level);
      l = n.op === 'reduce' ? ins[0]! + 1 : Math.max(0, ...ins);
    }
    levels.set(id, l);
    return l;
  };
  const elemOuts = op.outputs.filter((_, i) => outKinds[i] === 'elem');
  const phases = Math.max(0, ...elemOuts.map((o) => level(o) + 1), ...reds.map((r) => level(r.id)));

  const T = opts.lanes ?? Math.min(WORKGROUP, nextPow2(Math.ceil((opts.minLanes ?? MIN_LANES) / R)), nextPow2(Math.ceil(C / MIN_PER_LANE)));
  if (!(T >= 1 && T <= WORKGROUP && WORKGROUP % T === 0)) throw templateError(op, `row lanes ${T} must be a power of two up to ${WORKGROUP}`);
  const rowsPerGroup = WORKGROUP / T;
  const perLane = nextPow2(Math.ceil(C / T));
  const caching = perLane <= (opts.cacheMax ?? CACHE_MAX);
  return { reds, S, Srow, C, R, outKinds, level, phases, T, rowsPerGroup, perLane, groups: Math.ceil(R / rowsPerGroup), caching };
}

/**
 * Writes the kernel body. It runs twice when caching: the recording run notes in which phase each
 * value is first computed, so the real run knows which values a later phase reads from a cache.
 */
class RowWriter {
  private u: Uniforms;
  private rowCoords: string[] = [];
  private readonly rowBase = new Map<string, string>();
  private phase = 0;
  private readonly firstPhase = new Map<string, number>();
  private readonly cached = new Map<string, string>();
  private recording = true;
  private readonly results = new Map<NodeId, string>();
  private readonly host: ExprHost;

  constructor(
    private readonly ctx: TemplateContext,
    private readonly geo: RowGeometry,
    private readonly b: Bindings,
    private readonly outNames: readonly string[],
  ) {
    this.u = new Uniforms(ctx.indexing);
    const S = geo.S;
    this.host = {
      varies: (v, c) => c === 'e' && stridesIn(v, S)[S.length - 1] !== 0,
      leaf: (v, c, scope) => this.leaf(v, c, scope),
      special: (id, c) => this.special(id, c),
      computed: (id, c, name, scope) => this.computed(id, c, name, scope),
    };
  }

  private leaf(v: LeafView, c: Ctx, scope: Scope): string {
    const { S, Srow } = this.geo;
    const name = this.b.readName({ node: v.base });
    if (c === 'r') return this.b.load(name, dot(this.u, this.rowCoords, stridesIn(v, Srow)));
    const st = stridesIn(v, S);
    let base = this.rowBase.get(viewKey(v));
    if (base === undefined) {
      // The row part of the offset, once per row: a let of the outermost scope.
      let top = scope;
      while (top.parent !== undefined) top = top.parent;
      const e = dot(this.u, this.rowCoords, st.slice(0, -1));
      base = e === '0u' ? '' : top.let(e, 'rb');
      this.rowBase.set(viewKey(v), base);
    }
    const js = st[S.length - 1]!;
    const jt = js === 0 ? '' : js === 1 ? 'j' : `j * ${this.u.push(js)}`;
    return this.b.load(name, [base, jt].filter((t) => t !== '').join(' + ') || '0u');
  }

  private special(id: NodeId, c: Ctx): SpecialValue | undefined {
    const { graph, shapes, members, op } = this.ctx;
    const n = graph.node(id);
    if (n.op === 'reduce' && members.has(id)) {
      if (c === 'e' && !n.keepDims && numel(shapes[id]!) !== 1) {
        throw templateError(op, `reduction %${id} drops its axis, so it cannot broadcast against the row's elements`);
      }
      return { expr: this.results.get(id) ?? PENDING };
    }
    const key = `${c}:${id}`;
    const first = this.firstPhase.get(key);
    if (!this.geo.caching || first === undefined || first >= this.phase) return undefined;
    let name = this.cached.get(key);
    if (name === undefined) {
      if (!this.recording) throw new Error(`row template: ${key} was not planned for caching`);
      name = `cache${this.cached.size}`;
      this.cached.set(key, name);
    }
    return { expr: `${name}[kk]`, varies: true };
  }

  private computed(id: NodeId, c: Ctx, name: string, scope: Scope): void {
    if (!scope.loop) return;
    const key = `${c}:${id}`;
    if (!this.firstPhase.has(key)) this.firstPhase.set(key, this.phase);
    const slot = this.cached.get(key);
    if (!this.recording && slot !== undefined && this.firstPhase.get(key) === this.phase) scope.line(`${slot}[kk] = ${name};`);
  }

  generate(recording: boolean): { k: ExprKernel; u: Uniforms; lines: string[]; shared: WorkgroupMemory } {
    const { graph, shapes, members, op } = this.ctx;
    const { C, R, Srow, T, rowsPerGroup, perLane, outKinds } = this.geo;
    this.recording = recording;
    this.u = new Uniforms(this.ctx.indexing);
    const u = this.u;
    const k = new ExprKernel(graph, shapes, members, this.host, u);
    const UC = u.push(C);
    const UR = u.push(R);
    const UG = u.push(this.geo.groups);
    this.phase = 0;
    this.results.clear();
    this.rowBase.clear();
    const top = k.scope();
    const lines = top.lines;
    lines.push(`if (group >= ${UG}) { return; }`);
    lines.push(T === WORKGROUP ? 'let row = group;' : `let row = group * ${rowsPerGroup}u + lid / ${T}u;`);
    lines.push(`let lane = lid % ${T}u;`, `let rowOk = row < ${UR};`, `let rowc = min(row, ${UR} - 1u);`);
    // Rows past the end compute nothing but still reach every barrier.
    lines.push(`let cEnd = select(0u, ${UC}, rowOk);`);
    this.rowCoords = decompose(top, u, 'rowc', Srow, 'r');
    if (!recording) for (const name of this.cached.values()) lines.push(`var ${name}: array<f32, ${perLane}>;`);
    let arrays = 0;
    for (this.phase = 0; this.phase < this.geo.phases; this.phase++) arrays = Math.max(arrays, this.emitPhase(k, top, UC));
    const rowStores = op.outputs.flatMap((o, i) => (outKinds[i] === 'elem' ? [] : [this.b.store(this.outNames[i]!, 'row', top.value(o, outKinds[i] === 'row' ? 'r' : 'e'))]));
    // The stored values are lets of the top scope, evaluated by every lane before the guard.
    if (rowStores.length > 0) lines.push(`if (rowOk && lane == 0u) { ${rowStores.join(' ')} }`);
    const shared = new WorkgroupMemory();
    for (let i = 0; i < (T > 1 ? arrays : 0); i++) shared.array(`part${i}`, 'f32', [WORKGROUP]);
    return { k, u, lines, shared };
  }

  /**
   * Phase `this.phase`: one loop over the lane's elements evaluating level-p values, accumulating
   * the reductions of level p + 1 and storing level-p element outputs, then those reductions
   * finished across the row's lanes. Returns how many workgroup arrays the finish needs.
   */
  private emitPhase(k: ExprKernel, top: Scope, UC: string): number {
    const { reds, level, outKinds } = this.geo;
    const due = reds.filter((r) => level(r.id) === this.phase + 1);
    const looped = due.filter((r) => !this.extentOne(r));
    const stores = this.ctx.op.outputs.flatMap((o, i) => (outKinds[i] === 'elem' && level(o) === this.phase ? [i] : []));
    if (looped.length > 0 || stores.length > 0) {
      const accs = this.emitLoop(k, top, looped, stores, UC);
      looped.forEach((r, i) => this.results.set(r.id, this.finish(k, top, r, accs[i]!, i)));
    }
    for (const r of due.filter((x) => this.extentOne(x))) this.results.set(r.id, top.let(k.reduce(r.fn, k.identity(r.fn), top.value(r.inputs[0]!, 'e')), 'red'));
    return looped.length;
  }

  private extentOne(r: ReduceNode): boolean {
    const s = this.ctx.shapes[r.inputs[0]!]!;
    return s[s.length - 1] === 1 || this.geo.C === 1;
  }

  /** The loop over a lane's elements; returns the accumulators of `looped`. */
  private emitLoop(k: ExprKernel, top: Scope, looped: readonly ReduceNode[], stores: readonly number[], UC: string): string[] {
    const { caching, perLane, T } = this.geo;
    const lines = top.lines;
    const body = top.child(true);
    // Long lanes sum in blocks (see SUM_BLOCK): acc collects the subtotals kept in accb.
    const blocked = (r: ReduceNode): boolean => !caching && perLane > SUM_BLOCK && r.fn === 'sum';
    const accs = looped.map((r) => {
      const acc = k.fresh('acc');
      lines.push(`var ${acc} = ${k.identity(r.fn)};`);
      return acc;
    });
    const blockedAccs = looped.flatMap((r, i) => (blocked(r) ? [accs[i]!] : []));
    const count = blockedAccs.length > 0 ? k.fresh('nb') : '';
    const add = (a: string, b: string): string => `(${a} + ${b})`;
    if (count !== '') lines.push(...blockedSumDecls(blockedAccs, count, '0.0'));
    looped.forEach((r, i) => {
      const a = blocked(r) ? `${accs[i]!}b` : accs[i]!;
      body.line(`${a} = ${k.reduce(r.fn, a, body.value(r.inputs[0]!, 'e'))};`);
    });
    for (const i of stores) body.line(this.b.store(this.outNames[i]!, `rowc * ${UC} + j`, body.value(this.ctx.op.outputs[i]!, 'e')));
    if (count !== '') for (const l of blockedSumStep(blockedAccs, count, '0.0', add)) body.line(l);
    const head = caching
      ? `for (var kk = 0u; kk < ${perLane}u; kk = kk + 1u) {\n    let j = lane + kk * ${T}u;\n    if (j >= cEnd) { break; }`
      : `for (var j = lane; j < cEnd; j = j + ${T}u) {`;
    lines.push(`${head}\n    ${body.lines.join('\n    ')}\n  }`);
    lines.push(...blockedSumFinish(blockedAccs, add));
    return accs;
  }

  /** Finishes a reduction across the row's lanes; every lane gets the result. */
  private finish(k: ExprKernel, top: Scope, r: ReduceNode, acc: string, slot: number): string {
    const T = this.geo.T;
    if (T === 1) return acc;
    const part = `part${slot}`;
    top.line(`${part}[lid] = ${acc};`);
    top.line('workgroupBarrier();');
    for (let s = T / 2; s >= 1; s /= 2) {
      top.line(`if (lane < ${s}u) { ${part}[lid] = ${k.reduce(r.fn, `${part}[lid]`, `${part}[lid + ${s}u]`)}; }`);
      top.line('workgroupBarrier();');
    }
    const name = top.let(`${part}[lid - lane]`, 'red');
    // The next phase may overwrite the array: everyone must have read it first.
    top.line('workgroupBarrier();');
    return name;
  }
}
