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
import { ExprKernel, type Ctx, type ExprHost, type Scope } from '../expr.js';
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

export function rowTemplate(ctx: TemplateContext, opts: RowOptions = {}): OpLowering {
  const { op, graph, shapes } = ctx;
  const reds = op.members.map((m) => graph.node(m)).filter((n): n is ReduceNode => n.op === 'reduce');
  if (reds.length === 0) throw templateError(op, 'a row op needs a reduction over the last axis');
  for (const m of op.members) if (graph.node(m).op === 'matmul') throw templateError(op, `member %${m} (matmul) needs the matmul template`);
  for (const r of reds) {
    const rank = shapes[r.inputs[0]!]!.length;
    if (r.axes.length !== 1 || r.axes[0] !== rank - 1) throw templateError(op, `reduction %${r.id} is not over the last axis of its operand`);
  }
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

  // Levels: how many reductions a value depends on in sequence.
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
  const extentOne = (r: ReduceNode): boolean => {
    const s = shapes[r.inputs[0]!]!;
    return s[s.length - 1] === 1 || C === 1;
  };
  const elemOuts = op.outputs.filter((_, i) => outKinds[i] === 'elem');
  const phases = Math.max(0, ...elemOuts.map((o) => level(o) + 1), ...reds.map((r) => level(r.id)));

  const T = opts.lanes ?? Math.min(WORKGROUP, nextPow2(Math.ceil((opts.minLanes ?? MIN_LANES) / R)), nextPow2(Math.ceil(C / MIN_PER_LANE)));
  if (!(T >= 1 && T <= WORKGROUP && WORKGROUP % T === 0)) throw templateError(op, `row lanes ${T} must be a power of two up to ${WORKGROUP}`);
  const rowsPerGroup = WORKGROUP / T;
  const perLane = nextPow2(Math.ceil(C / T));
  const caching = perLane <= (opts.cacheMax ?? CACHE_MAX);

  const probe = new ExprKernel(graph, shapes, ctx.members, { leaf: () => '' }, undefined);
  const views = probe.leavesOf(op.members).filter((v) => v.scalar === undefined);
  const b = new Bindings(ctx);
  for (const v of views) b.read({ node: v.base });
  const outNames = op.outputs.map((o) => b.write({ node: o }));
  b.check();

  const groups = Math.ceil(R / rowsPerGroup);
  let u = new Uniforms();
  let rowCoords: string[] = [];
  const rowBase = new Map<string, string>();
  const eStrides = (v: LeafView): number[] => stridesIn(v, S);

  // Generation state (the generator runs twice: once to find what to cache, once for real).
  let phase = 0;
  const firstPhase = new Map<string, number>();
  const cached = new Map<string, string>();
  let recording = true;
  const results = new Map<NodeId, string>();

  const host: ExprHost = {
    varies: (v, c) => c === 'e' && eStrides(v)[S.length - 1] !== 0,
    leaf(v: LeafView, c: Ctx, scope: Scope): string {
      const name = b.readName({ node: v.base });
      if (c === 'r') return `${name}[${dot(u, rowCoords, stridesIn(v, Srow))}]`;
      const st = eStrides(v);
      let base = rowBase.get(viewKey(v));
      if (base === undefined) {
        // The row part of the offset, once per row: a let of the outermost scope.
        let top = scope;
        while (top.parent !== undefined) top = top.parent;
        const e = dot(u, rowCoords, st.slice(0, -1));
        base = e === '0u' ? '' : top.let(e, 'rb');
        rowBase.set(viewKey(v), base);
      }
      const js = st[S.length - 1]!;
      const jt = js === 0 ? '' : js === 1 ? 'j' : `j * ${u.push(js)}`;
      return `${name}[${[base, jt].filter((t) => t !== '').join(' + ') || '0u'}]`;
    },
    special(id: NodeId, c: Ctx) {
      const n = graph.node(id);
      if (n.op === 'reduce' && ctx.members.has(id)) {
        if (c === 'e' && !n.keepDims && numel(shapes[id]!) !== 1) {
          throw templateError(op, `reduction %${id} drops its axis, so it cannot broadcast against the row's elements`);
        }
        return { expr: results.get(id) ?? PENDING };
      }
      const key = `${c}:${id}`;
      const first = firstPhase.get(key);
      if (!caching || first === undefined || first >= phase) return undefined;
      let name = cached.get(key);
      if (name === undefined) {
        if (!recording) throw new Error(`row template: ${key} was not planned for caching`);
        name = `cache${cached.size}`;
        cached.set(key, name);
      }
      return { expr: `${name}[kk]`, varies: true };
    },
    computed(id: NodeId, c: Ctx, name: string, scope: Scope): void {
      if (!scope.loop) return;
      const key = `${c}:${id}`;
      if (!firstPhase.has(key)) firstPhase.set(key, phase);
      const slot = cached.get(key);
      if (!recording && slot !== undefined && firstPhase.get(key) === phase) scope.line(`${slot}[kk] = ${name};`);
    },
  };

  const generate = (): { k: ExprKernel; lines: string[]; shared: WorkgroupMemory } => {
    u = new Uniforms();
    const k = new ExprKernel(graph, shapes, ctx.members, host, u);
    const UC = u.push(C);
    const UR = u.push(R);
    const UG = u.push(groups);
    phase = 0;
    results.clear();
    rowBase.clear();
    const top = k.scope();
    const lines = top.lines;
    lines.push(`if (group >= ${UG}) { return; }`);
    lines.push(T === WORKGROUP ? 'let row = group;' : `let row = group * ${rowsPerGroup}u + lid / ${T}u;`);
    lines.push(`let lane = lid % ${T}u;`, `let rowOk = row < ${UR};`, `let rowc = min(row, ${UR} - 1u);`);
    // Rows past the end compute nothing but still reach every barrier.
    lines.push(`let cEnd = select(0u, ${UC}, rowOk);`);
    rowCoords = decompose(top, u, 'rowc', Srow, 'r');
    if (!recording) for (const name of cached.values()) lines.push(`var ${name}: array<f32, ${perLane}>;`);
    let arrays = 0;
    for (phase = 0; phase < phases; phase++) {
      const due = reds.filter((r) => level(r.id) === phase + 1);
      const looped = due.filter((r) => !extentOne(r));
      const stores = op.outputs.flatMap((o, i) => (outKinds[i] === 'elem' && level(o) === phase ? [i] : []));
      if (looped.length > 0 || stores.length > 0) {
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
        for (const i of stores) body.line(`${outNames[i]!}[rowc * ${UC} + j] = ${body.value(op.outputs[i]!, 'e')};`);
        if (count !== '') for (const l of blockedSumStep(blockedAccs, count, '0.0', add)) body.line(l);
        const head = caching
          ? `for (var kk = 0u; kk < ${perLane}u; kk = kk + 1u) {\n    let j = lane + kk * ${T}u;\n    if (j >= cEnd) { break; }`
          : `for (var j = lane; j < cEnd; j = j + ${T}u) {`;
        lines.push(`${head}\n    ${body.lines.join('\n    ')}\n  }`);
        lines.push(...blockedSumFinish(blockedAccs, add));
        arrays = Math.max(arrays, looped.length);
        looped.forEach((r, i) => results.set(r.id, finish(k, top, r, accs[i]!, i)));
      }
      for (const r of due.filter(extentOne)) results.set(r.id, top.let(k.reduce(r.fn, k.identity(r.fn), top.value(r.inputs[0]!, 'e')), 'red'));
    }
    const rowStores = op.outputs.flatMap((o, i) => (outKinds[i] === 'elem' ? [] : [`${outNames[i]!}[row] = ${top.value(o, outKinds[i] === 'row' ? 'r' : 'e')};`]));
    // The stored values are lets of the top scope, evaluated by every lane before the guard.
    if (rowStores.length > 0) lines.push(`if (rowOk && lane == 0u) { ${rowStores.join(' ')} }`);
    const shared = new WorkgroupMemory();
    for (let i = 0; i < (T > 1 ? arrays : 0); i++) shared.array(`part${i}`, 'f32', [WORKGROUP]);
    return { k, lines, shared };
  };

  /** Finishes a reduction across the row's lanes; every lane gets the result. */
  const finish = (k: ExprKernel, top: Scope, r: ReduceNode, acc: string, slot: number): string => {
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
  };

  if (caching) generate();
  recording = false;
  const { k, lines, shared } = generate();
  const main = `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  ${lines.join('\n  ')}\n}`;
  const wgsl = kernelSource([k.helperSource(), b.decls(), u.decl(b.count), ...shared.decls(), main].filter((s) => s !== ''));
  if (wgsl.includes(PENDING)) throw templateError(op, 'a reduction is used before the phase that computes it');
  return {
    kernels: [{ wgsl, uniforms: u.data(), dispatch: dispatch1d(groups, ctx.limits.maxComputeWorkgroupsPerDimension), ...b.slots(), workgroupBytes: shared.bytes }],
    scratchBytes: [],
  };
}
