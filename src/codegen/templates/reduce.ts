/**
 * Cell with aggregation and MAgg: k >= 1 reductions over the same operand space S and the same
 * axes, all accumulated in one pass over S (each reduction its own accumulator), any axes set.
 *
 * Each output element o reduces nRed elements j. Two layouts of that work:
 * - thread (default): an invocation per (o, chunk of j), looping over its chunk. With the innermost
 *   axis reduced, an invocation loads its chunk as vec4s; with it kept, an invocation computes four
 *   neighbouring outputs at once from vec4 loads (column sums).
 * - group (opt-in): a workgroup per (o, chunk), invocations strided over j, a tree in workgroup
 *   memory. The usual GPU choice for few long reductions (coalesced loads); on lavapipe it lost
 *   everywhere we measured (barriers are expensive there: 4096 rows of 4096 took 64 ms against
 *   10 ms, 65536 rows of 256 took 800 ms against 18 ms; see docs/codegen.md), so a device
 *   profile has to ask for it.
 * When few outputs would leave the device idle, j is split into P chunks that write partials to
 * scratch, and a second small kernel reduces them (no float atomics in WGSL). Chunked and tree
 * orders differ from the reference's sequential order only by rounding.
 */
import { sameShape } from '../../ir/graph.js';
import type { NodeId, ReduceNode } from '../../ir/node.js';
import { ExprKernel, type Ctx, type ExprHost, type Scope } from '../expr.js';
import { coalesce, stridesIn, viewKey, type LeafView } from '../views.js';
import { blockedSumDecls, blockedSumFinish, blockedSumStep, computeBuiltins, dispatch1d, kernelSource, linearGroup, SUM_BLOCK, Uniforms, WORKGROUP, WorkgroupMemory } from '../wgsl.js';
import { Bindings, templateError, type KernelDraft, type OpLowering, type Slot, type TemplateContext } from './common.js';
import { decompose, dot } from './index-math.js';
import { REDUCE_SPLIT } from '../../plan/kernel-geometry.js';

const { groupChunk: GROUP_CHUNK, threadChunk: THREAD_CHUNK, targetGroups: TARGET_GROUPS, targetThreads: TARGET_THREADS } = REDUCE_SPLIT;

export interface ReduceOptions {
  /** Forces a layout (benchmarks); by default chosen from the shape as described above. */
  readonly layout?: 'group' | 'thread';
  /** vec4 loads along a contiguous reduced inner axis (default true). */
  readonly vectorize?: boolean;
}

/** How one pass over S is laid out: the coalesced dims, what each invocation does, the split. */
interface ReduceGeometry {
  readonly nodes: readonly ReduceNode[];
  readonly operands: readonly NodeId[];
  readonly leafList: readonly LeafView[];
  /** Per leaf (by viewKey): its strides over the coalesced dims. */
  readonly strides: ReadonlyMap<string, readonly number[]>;
  readonly dims: readonly number[];
  readonly keptIdx: readonly number[];
  readonly redIdx: readonly number[];
  readonly nOut: number;
  /** The innermost coalesced dim (-1 when S has no dim above extent 1). */
  readonly last: number;
  readonly layout: 'group' | 'thread';
  /** vec4 along the innermost axis: 'red' when it is reduced, 'kept' (4 outputs per item) when kept. */
  readonly vec: 'none' | 'red' | 'kept';
  /** Reduced items (vec4s in 'red' mode) and output items (vec4s in 'kept' mode). */
  readonly items: number;
  readonly outItems: number;
  /** Chunks the reduced items are split into (P > 1: two passes) and items per chunk. */
  readonly P: number;
  readonly L: number;
}

export function reduceTemplate(ctx: TemplateContext, opts: ReduceOptions = {}): OpLowering {
  const geo = reduceGeometry(ctx, opts);
  const scratch: Slot = { scratch: 0 };
  const twoPass = geo.P > 1;
  const kernels: KernelDraft[] = [pass1Kernel(ctx, geo, scratch)];
  if (twoPass) kernels.push(partialsKernel(ctx, geo.nodes, geo.nOut, geo.P, geo.layout === 'group' ? [geo.P, 1] : [1, geo.nOut], scratch));
  return { kernels, scratchBytes: twoPass ? [geo.nodes.length * geo.nOut * geo.P * 4] : [] };
}

/** The op's reductions: every output, all over the same operand shape and axes. */
function aggregations(ctx: TemplateContext): ReduceNode[] {
  const { op, graph, shapes } = ctx;
  const reds = op.outputs.map((o) => graph.node(o));
  if (reds.some((r) => r.op !== 'reduce')) throw templateError(op, 'every output of an aggregating cell/magg op must be a reduction');
  const nodes = reds as ReduceNode[];
  if (op.template === 'cell' && nodes.length !== 1) throw templateError(op, 'a cell op aggregates into exactly one output');
  const first = nodes[0]!;
  for (const r of nodes) {
    if (!sameShape(shapes[r.inputs[0]!]!, shapes[first.inputs[0]!]!) || r.axes.join() !== first.axes.join()) {
      throw templateError(op, `reductions %${first.id} and %${r.id} differ in operand shape or axes`);
    }
  }
  for (const m of op.members) {
    const n = graph.node(m);
    if (n.op === 'matmul' || (n.op === 'reduce' && !op.outputs.includes(m))) throw templateError(op, `member %${m} (${n.op}) cannot feed a reduction here`);
  }
  return nodes;
}

function reduceGeometry(ctx: TemplateContext, opts: ReduceOptions): ReduceGeometry {
  const nodes = aggregations(ctx);
  const S = ctx.shapes[nodes[0]!.inputs[0]!]!;
  const axes = nodes[0]!.axes;
  const operands = nodes.map((r) => r.inputs[0]!);
  const probe = new ExprKernel(ctx.graph, ctx.shapes, ctx.members, { leaf: () => '' }, undefined);
  const views = new Map<string, LeafView>();
  for (const v of probe.leavesOf(operands)) if (v.scalar === undefined) views.set(viewKey(v), v);
  const leafList = [...views.values()];
  const co = coalesce(S, leafList.map((v) => stridesIn(v, S)), (d) => (axes.includes(d) ? 1 : 0));
  const strides = new Map(leafList.map((v, i) => [viewKey(v), co.strides[i]!]));
  const keptIdx = co.groups.flatMap((g, d) => (g === 0 ? [d] : []));
  const redIdx = co.groups.flatMap((g, d) => (g === 1 ? [d] : []));
  const prod = (ds: number[]): number => ds.reduce((p, d) => p * co.dims[d]!, 1);
  const nOut = prod(keptIdx);
  const nRed = prod(redIdx);
  const last = co.dims.length - 1;
  const innerReduced = last >= 0 && co.groups[last] === 1;
  const layout: 'group' | 'thread' = opts.layout ?? 'thread';
  const vecOk =
    opts.vectorize !== false &&
    last >= 0 &&
    co.dims[last]! % 4 === 0 &&
    [...strides.values()].every((st) => st[last] === 0 || (st[last] === 1 && st.every((x, d) => d === last || x % 4 === 0)));
  const vec: 'none' | 'red' | 'kept' = !vecOk ? 'none' : innerReduced ? 'red' : layout === 'thread' ? 'kept' : 'none';
  const items = vec === 'red' ? nRed / 4 : nRed;
  const outItems = vec === 'kept' ? nOut / 4 : nOut;
  let P: number;
  if (layout === 'group') P = nOut >= TARGET_GROUPS || nRed <= GROUP_CHUNK ? 1 : Math.min(Math.ceil(nRed / GROUP_CHUNK), Math.max(1, Math.floor(TARGET_GROUPS / nOut)));
  else P = outItems >= TARGET_THREADS || nRed <= THREAD_CHUNK ? 1 : Math.min(Math.ceil(nRed / THREAD_CHUNK), Math.max(1, Math.floor(TARGET_THREADS / outItems)));
  const L = Math.ceil(items / P);
  P = Math.max(1, Math.ceil(items / L));
  return { nodes, operands, leafList, strides, dims: co.dims, keptIdx, redIdx, nOut, last, layout, vec, items, outItems, P, L };
}

/** Coordinates over the kept dims (once per output item) and the reduced dims (per j). */
interface Coords {
  kept: string[];
  red: string[];
}

/** Pass 1: each invocation (thread layout) or workgroup (group layout) reduces one chunk of one output item. */
function pass1Kernel(ctx: TemplateContext, geo: ReduceGeometry, scratch: Slot): KernelDraft {
  const { nodes, leafList, strides, keptIdx, layout, vec, last, P } = geo;
  const vec4 = vec !== 'none';
  const twoPass = P > 1;
  const b = new Bindings(ctx);
  for (const v of leafList) b.read({ node: v.base }, vec4 && strides.get(viewKey(v))![last] === 1);
  const outs = twoPass ? [b.write(scratch)] : ctx.op.outputs.map((o) => b.write({ node: o }));
  b.check();
  const u = new Uniforms(ctx.indexing);
  const U = { NOUT: u.push(geo.outItems), UP: u.push(P), UL: u.push(geo.L), NITEMS: u.push(geo.items) };
  const coords: Coords = { kept: [], red: [] };
  const kb = new Map<string, string>();
  const k = new ExprKernel(ctx.graph, ctx.shapes, ctx.members, pass1Host(geo, b, u, coords, kb), u, vec4);
  const top = k.scope();
  const lines = top.lines;
  if (layout === 'group') {
    lines.push(`if (group >= ${U.NOUT} * ${U.UP}) { return; }`, `let o = group / ${U.UP};`, `let p = group % ${U.UP};`);
  } else {
    lines.push(`let t = group * ${WORKGROUP}u + lid;`, `if (t >= ${U.NOUT} * ${U.UP}) { return; }`, `let o = t % ${U.NOUT};`, `let p = t / ${U.NOUT};`);
  }
  coords.kept = decompose(top, u, 'o', keptIdx.map((d) => itemDim(geo, d)), 'k');
  for (const v of leafList) {
    const e = dot(u, coords.kept, leafParts(geo, strides.get(viewKey(v))!, keptIdx));
    kb.set(viewKey(v), e === '0u' ? '' : top.let(e, 'kb'));
  }
  const results = accumulate(k, top, geo, u, coords, U);
  const shared = new WorkgroupMemory();
  storeResults(k, lines, geo, { outs, results, shared, partBase: (i) => (i === 0 ? '' : `${u.push(i * geo.nOut * P)} + `), u, U });
  const groups1 = layout === 'group' ? geo.outItems * P : Math.ceil((geo.outItems * P) / WORKGROUP);
  const main = `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  ${lines.join('\n  ')}\n}`;
  return {
    ...(twoPass ? { part: 'pass 1' } : {}),
    wgsl: kernelSource([k.helperSource(), b.decls(), u.decl(b.count), ...shared.decls(), main].filter((x) => x !== '')),
    uniforms: u.data(),
    dispatch: dispatch1d(groups1, ctx.limits.maxComputeWorkgroupsPerDimension),
    ...b.slots(),
    workgroupBytes: shared.bytes,
  };
}

/** Extent of coalesced dim d in items (the innermost counts vec4s in vec4 modes). */
const itemDim = (geo: ReduceGeometry, d: number): number => (geo.vec !== 'none' && d === geo.last ? geo.dims[d]! / 4 : geo.dims[d]!);

/**
 * A leaf's strides over the dims `idx`. In vec4 modes the innermost axis is left out and added in
 * vec4 units (stride 1) or not at all (stride 0).
 */
const leafParts = (geo: ReduceGeometry, st: readonly number[], idx: readonly number[]): number[] =>
  idx.map((d) => (geo.vec !== 'none' && d === geo.last ? 0 : st[d]!));

/** Leaf reads: a kept part (a let per output item, in `kb`) plus a reduced part per j. */
function pass1Host(geo: ReduceGeometry, b: Bindings, u: Uniforms, coords: Coords, kb: ReadonlyMap<string, string>): ExprHost {
  const { strides, redIdx, vec, last } = geo;
  const lastCoord = (): string => (vec === 'red' ? coords.red[coords.red.length - 1]! : coords.kept[coords.kept.length - 1]!);
  return {
    varies: (v) => redIdx.some((d) => strides.get(viewKey(v))![d] !== 0),
    leaf(v: LeafView, _c: Ctx, scope: Scope): string {
      const st = strides.get(viewKey(v))!;
      const name = b.readName({ node: v.base });
      const off = join(kb.get(viewKey(v))!, dot(u, coords.red, leafParts(geo, st, redIdx)));
      if (vec === 'none') return b.scalarAt(name, off);
      if (st[last] === 1) return b.load(name, `${off === '0u' ? '' : `(${off}) / 4u + `}${lastCoord()}`);
      return `vec4<f32>(${b.scalarAt(name, scope.let(off, 'off'))})`;
    },
  };
}

type Pass1Uniforms = { readonly NOUT: string; readonly UP: string; readonly UL: string; readonly NITEMS: string };

/** The loop over the chunk's items; returns each reduction's value for this invocation. */
function accumulate(k: ExprKernel, top: Scope, geo: ReduceGeometry, u: Uniforms, coords: Coords, U: Pass1Uniforms): string[] {
  const { nodes, operands, layout, redIdx } = geo;
  const lines = top.lines;
  const accs = nodes.map(() => k.fresh('acc'));
  nodes.forEach((r, i) => lines.push(`var ${accs[i]!} = ${k.identity(r.fn)};`));
  // Sums over long chunks accumulate in blocks (see SUM_BLOCK); acc collects the subtotals.
  const perInvocation = layout === 'group' ? Math.ceil(geo.L / WORKGROUP) : geo.L;
  const blocked = nodes.map((r) => r.fn === 'sum' && perInvocation > SUM_BLOCK);
  const blockedAccs = accs.filter((_, i) => blocked[i]);
  const count = blockedAccs.length > 0 ? k.fresh('nb') : '';
  const add = (a: string, b: string): string => k.reduce('sum', a, b);
  if (count !== '') lines.push(...blockedSumDecls(blockedAccs, count, k.identity('sum')));
  lines.push(`let j0 = p * ${U.UL};`, `let j1 = min(j0 + ${U.UL}, ${U.NITEMS});`);
  const loop = top.child(true);
  coords.red = decompose(loop, u, 'j', redIdx.map((d) => itemDim(geo, d)), 'r');
  nodes.forEach((r, i) => {
    const a = blocked[i] ? `${accs[i]!}b` : accs[i]!;
    loop.line(`${a} = ${k.reduce(r.fn, a, loop.value(operands[i]!, 'e'))};`);
  });
  if (count !== '') for (const l of blockedSumStep(blockedAccs, count, k.identity('sum'), add)) loop.line(l);
  const step = layout === 'group' ? `j0 + lid; j < j1; j = j + ${WORKGROUP}u` : 'j0; j < j1; j = j + 1u';
  lines.push(`for (var j = ${step}) {\n    ${loop.lines.join('\n    ')}\n  }`);
  lines.push(...blockedSumFinish(blockedAccs, add));
  return nodes.map((r, i) => (geo.vec === 'red' ? top.let(k.reduceLanes(r.fn, accs[i]!), 's') : accs[i]!));
}

interface Stores {
  readonly outs: readonly string[];
  readonly results: readonly string[];
  readonly shared: WorkgroupMemory;
  /** Reduction i's partials start at i * nOut * P in the shared scratch buffer. */
  readonly partBase: (i: number) => string;
  readonly u: Uniforms;
  readonly U: Pass1Uniforms;
}

/** Writes the results: through a workgroup tree (group layout), or each invocation its own. */
function storeResults(k: ExprKernel, lines: string[], geo: ReduceGeometry, s: Stores): void {
  const { nodes, P } = geo;
  const { outs, results, partBase, U } = s;
  const twoPass = P > 1;
  if (geo.layout === 'group') {
    nodes.forEach((_, i) => {
      s.shared.array(`part${i}`, 'f32', [WORKGROUP]);
      lines.push(`part${i}[lid] = ${results[i]!};`);
    });
    lines.push('workgroupBarrier();');
    for (let st = WORKGROUP / 2; st >= 1; st /= 2) {
      const steps = nodes.map((r, i) => `part${i}[lid] = ${k.reduce(r.fn, `part${i}[lid]`, `part${i}[lid + ${st}u]`, false)};`);
      lines.push(`if (lid < ${st}u) { ${steps.join(' ')} }`, 'workgroupBarrier();');
    }
    const stores = nodes.map((_, i) => (twoPass ? `${outs[0]!}[${partBase(i)}o * ${U.UP} + p] = part${i}[0];` : `${outs[i]!}[o] = part${i}[0];`));
    lines.push(`if (lid == 0u) { ${stores.join(' ')} }`);
  } else if (geo.vec === 'kept') {
    // Four neighbouring outputs: partials are laid out [p][o], so the four are adjacent there too.
    const at = (i: number, c: number): string => (twoPass ? `${outs[0]!}[${partBase(i)}p * ${s.u.push(geo.nOut)} + o * 4u + ${c}u]` : `${outs[i]!}[o * 4u + ${c}u]`);
    nodes.forEach((_, i) => lines.push(['x', 'y', 'z', 'w'].map((l, c) => `${at(i, c)} = ${results[i]!}.${l};`).join(' ')));
  } else {
    nodes.forEach((_, i) => lines.push(twoPass ? `${outs[0]!}[${partBase(i)}p * ${U.NOUT} + o] = ${results[i]!};` : `${outs[i]!}[o] = ${results[i]!};`));
  }
}

const join = (a: string, b: string): string => (a === '' ? b : b === '0u' ? a : `${a} + ${b}`);

/** Pass 2: out_i[o] = reduce over p of partials[i][o * so + p * sp], an invocation per output. */
function partialsKernel(ctx: TemplateContext, nodes: readonly ReduceNode[], nOut: number, P: number, [so, sp]: [number, number], scratch: Slot): KernelDraft {
  const b = new Bindings(ctx);
  const src = b.read(scratch);
  const outs = nodes.map((r) => b.write({ node: r.id as NodeId }));
  b.check();
  const u = new Uniforms(ctx.indexing);
  const [NOUT, UP, SO, SP] = [nOut, P, so, sp].map((v) => u.push(v)) as [string, string, string, string];
  const k = new ExprKernel(ctx.graph, ctx.shapes, ctx.members, { leaf: () => '' }, undefined);
  const body = nodes.map((r, i) => {
    const acc = `a${i}`;
    const at = `${i === 0 ? '' : `${u.push(i * nOut * P)} + `}o * ${SO} + p * ${SP}`;
    if (r.fn === 'sum' && P > SUM_BLOCK) {
      // Many partials: blocked summation (see SUM_BLOCK).
      return `var ${acc} = 0.0;\n  var ${acc}b = 0.0;\n  for (var p = 0u; p < ${UP}; p = p + 1u) { ${acc}b = ${acc}b + ${src}[${at}]; if (p % ${SUM_BLOCK}u == ${SUM_BLOCK - 1}u) { ${acc} = ${acc} + ${acc}b; ${acc}b = 0.0; } }\n  ${outs[i]!}[o] = ${acc} + ${acc}b;`;
    }
    return `var ${acc} = ${k.identity(r.fn)};\n  for (var p = 0u; p < ${UP}; p = p + 1u) { ${acc} = ${k.reduce(r.fn, acc, `${src}[${at}]`)}; }\n  ${outs[i]!}[o] = ${acc};`;
  });
  const main = `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  let o = group * ${WORKGROUP}u + lid;\n  if (o >= ${NOUT}) { return; }\n  ${body.join('\n  ')}\n}`;
  return {
    part: 'pass 2',
    wgsl: kernelSource([b.decls(), u.decl(b.count), main]),
    uniforms: u.data(),
    dispatch: dispatch1d(Math.ceil(nOut / WORKGROUP), ctx.limits.maxComputeWorkgroupsPerDimension),
    ...b.slots(),
    workgroupBytes: 0,
  };
}
