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

export function reduceTemplate(ctx: TemplateContext, opts: ReduceOptions = {}): OpLowering {
  const { op, graph, shapes } = ctx;
  const reds = op.outputs.map((o) => graph.node(o));
  if (reds.some((r) => r.op !== 'reduce')) throw templateError(op, 'every output of an aggregating cell/magg op must be a reduction');
  const nodes = reds as ReduceNode[];
  if (op.template === 'cell' && nodes.length !== 1) throw templateError(op, 'a cell op aggregates into exactly one output');
  const first = nodes[0]!;
  const S = shapes[first.inputs[0]!]!;
  const axes = first.axes;
  for (const r of nodes) {
    if (!sameShape(shapes[r.inputs[0]!]!, S) || r.axes.join() !== axes.join()) {
      throw templateError(op, `reductions %${first.id} and %${r.id} differ in operand shape or axes`);
    }
  }
  for (const m of op.members) {
    const n = graph.node(m);
    if (n.op === 'matmul' || (n.op === 'reduce' && !op.outputs.includes(m))) throw templateError(op, `member %${m} (${n.op}) cannot feed a reduction here`);
  }
  const operands = nodes.map((r) => r.inputs[0]!);
  const probe = new ExprKernel(graph, shapes, ctx.members, { leaf: () => '' }, undefined);
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
  // vec4 along the innermost axis: 'red' when it is reduced, 'kept' (4 outputs per item) when kept.
  const vecOk =
    opts.vectorize !== false &&
    last >= 0 &&
    co.dims[last]! % 4 === 0 &&
    [...strides.values()].every((st) => st[last] === 0 || (st[last] === 1 && st.every((x, d) => d === last || x % 4 === 0)));
  const vec: 'none' | 'red' | 'kept' = !vecOk ? 'none' : innerReduced ? 'red' : layout === 'thread' ? 'kept' : 'none';
  const vec4 = vec !== 'none';
  const items = vec === 'red' ? nRed / 4 : nRed;
  const outItems = vec === 'kept' ? nOut / 4 : nOut;
  let P: number;
  if (layout === 'group') P = nOut >= TARGET_GROUPS || nRed <= GROUP_CHUNK ? 1 : Math.min(Math.ceil(nRed / GROUP_CHUNK), Math.max(1, Math.floor(TARGET_GROUPS / nOut)));
  else P = outItems >= TARGET_THREADS || nRed <= THREAD_CHUNK ? 1 : Math.min(Math.ceil(nRed / THREAD_CHUNK), Math.max(1, Math.floor(TARGET_THREADS / outItems)));
  const L = Math.ceil(items / P);
  P = Math.max(1, Math.ceil(items / L));
  const K = nodes.length;
  const scratch: Slot = { scratch: 0 };
  const twoPass = P > 1;

  // Pass 1.
  const b = new Bindings(ctx);
  for (const v of leafList) b.read({ node: v.base }, vec4 && strides.get(viewKey(v))![last] === 1);
  const outs = twoPass ? [b.write(scratch)] : op.outputs.map((o) => b.write({ node: o }));
  b.check();
  const u = new Uniforms();
  const NOUT = u.push(outItems);
  const UP = u.push(P);
  const UL = u.push(L);
  const NITEMS = u.push(items);
  // Reduction i's partials start at i * nOut * P in the shared scratch buffer.
  const partBase = (i: number): string => (i === 0 ? '' : `${u.push(i * nOut * P)} + `);
  const itemDim = (d: number): number => (vec4 && d === last ? co.dims[d]! / 4 : co.dims[d]!);
  let keptCoords: string[] = [];
  let redCoords: string[] = [];
  // Leaf offsets: a kept part (once per output item) plus a reduced part (per j). In vec4 modes the
  // innermost axis is left out of both and added in vec4 units (stride 1) or not at all (stride 0).
  const parts = (st: readonly number[], idx: number[]): number[] => idx.map((d) => (vec4 && d === last ? 0 : st[d]!));
  const lastCoord = (): string => (vec === 'red' ? redCoords[redCoords.length - 1]! : keptCoords[keptCoords.length - 1]!);
  const kb = new Map<string, string>();
  const host: ExprHost = {
    varies: (v) => redIdx.some((d) => strides.get(viewKey(v))![d] !== 0),
    leaf(v: LeafView, _c: Ctx, scope: Scope): string {
      const st = strides.get(viewKey(v))!;
      const name = b.readName({ node: v.base });
      const off = join(kb.get(viewKey(v))!, dot(u, redCoords, parts(st, redIdx)));
      if (!vec4) return b.scalarAt(name, off);
      if (st[last] === 1) return `${name}[${off === '0u' ? '' : `(${off}) / 4u + `}${lastCoord()}]`;
      return `vec4<f32>(${b.scalarAt(name, scope.let(off, 'off'))})`;
    },
  };
  const k = new ExprKernel(graph, shapes, ctx.members, host, u, vec4);
  const top = k.scope();
  const lines = top.lines;
  if (layout === 'group') {
    lines.push(`if (group >= ${NOUT} * ${UP}) { return; }`, `let o = group / ${UP};`, `let p = group % ${UP};`);
  } else {
    lines.push(`let t = group * ${WORKGROUP}u + lid;`, `if (t >= ${NOUT} * ${UP}) { return; }`, `let o = t % ${NOUT};`, `let p = t / ${NOUT};`);
  }
  keptCoords = decompose(top, u, 'o', keptIdx.map(itemDim), 'k');
  for (const v of leafList) {
    const e = dot(u, keptCoords, parts(strides.get(viewKey(v))!, keptIdx));
    kb.set(viewKey(v), e === '0u' ? '' : top.let(e, 'kb'));
  }
  const accs = nodes.map(() => k.fresh('acc'));
  nodes.forEach((r, i) => lines.push(`var ${accs[i]!} = ${k.identity(r.fn)};`));
  // Sums over long chunks accumulate in blocks (see SUM_BLOCK); acc collects the subtotals.
  const perInvocation = layout === 'group' ? Math.ceil(L / WORKGROUP) : L;
  const blocked = nodes.map((r) => r.fn === 'sum' && perInvocation > SUM_BLOCK);
  const blockedAccs = accs.filter((_, i) => blocked[i]);
  const count = blockedAccs.length > 0 ? k.fresh('nb') : '';
  const add = (a: string, b: string): string => k.reduce('sum', a, b);
  if (count !== '') lines.push(...blockedSumDecls(blockedAccs, count, k.identity('sum')));
  lines.push(`let j0 = p * ${UL};`, `let j1 = min(j0 + ${UL}, ${NITEMS});`);
  const loop = top.child(true);
  redCoords = decompose(loop, u, 'j', redIdx.map(itemDim), 'r');
  nodes.forEach((r, i) => {
    const a = blocked[i] ? `${accs[i]!}b` : accs[i]!;
    loop.line(`${a} = ${k.reduce(r.fn, a, loop.value(operands[i]!, 'e'))};`);
  });
  if (count !== '') for (const l of blockedSumStep(blockedAccs, count, k.identity('sum'), add)) loop.line(l);
  const step = layout === 'group' ? `j0 + lid; j < j1; j = j + ${WORKGROUP}u` : 'j0; j < j1; j = j + 1u';
  lines.push(`for (var j = ${step}) {\n    ${loop.lines.join('\n    ')}\n  }`);
  lines.push(...blockedSumFinish(blockedAccs, add));
  const results = nodes.map((r, i) => (vec === 'red' ? top.let(k.reduceLanes(r.fn, accs[i]!), 's') : accs[i]!));
  const shared = new WorkgroupMemory();
  if (layout === 'group') {
    nodes.forEach((r, i) => {
      shared.array(`part${i}`, 'f32', [WORKGROUP]);
      lines.push(`part${i}[lid] = ${results[i]!};`);
    });
    lines.push('workgroupBarrier();');
    for (let s = WORKGROUP / 2; s >= 1; s /= 2) {
      const steps = nodes.map((r, i) => `part${i}[lid] = ${k.reduce(r.fn, `part${i}[lid]`, `part${i}[lid + ${s}u]`, false)};`);
      lines.push(`if (lid < ${s}u) { ${steps.join(' ')} }`, 'workgroupBarrier();');
    }
    const stores = nodes.map((_, i) => (twoPass ? `${outs[0]!}[${partBase(i)}o * ${UP} + p] = part${i}[0];` : `${outs[i]!}[o] = part${i}[0];`));
    lines.push(`if (lid == 0u) { ${stores.join(' ')} }`);
  } else if (vec === 'kept') {
    // Four neighbouring outputs: partials are laid out [p][o], so the four are adjacent there too.
    const at = (i: number, c: number): string => (twoPass ? `${outs[0]!}[${partBase(i)}p * ${u.push(nOut)} + o * 4u + ${c}u]` : `${outs[i]!}[o * 4u + ${c}u]`);
    nodes.forEach((_, i) => lines.push(['x', 'y', 'z', 'w'].map((l, c) => `${at(i, c)} = ${results[i]!}.${l};`).join(' ')));
  } else {
    nodes.forEach((_, i) => lines.push(twoPass ? `${outs[0]!}[${partBase(i)}p * ${NOUT} + o] = ${results[i]!};` : `${outs[i]!}[o] = ${results[i]!};`));
  }
  const groups1 = layout === 'group' ? outItems * P : Math.ceil((outItems * P) / WORKGROUP);
  const main = `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  ${lines.join('\n  ')}\n}`;
  const kernels: KernelDraft[] = [
    {
      ...(twoPass ? { part: 'pass 1' } : {}),
      wgsl: kernelSource([k.helperSource(), b.decls(), u.decl(b.count), ...shared.decls(), main].filter((x) => x !== '')),
      uniforms: u.data(),
      dispatch: dispatch1d(groups1, ctx.limits.maxComputeWorkgroupsPerDimension),
      ...b.slots(),
      workgroupBytes: shared.bytes,
    },
  ];
  if (twoPass) kernels.push(partialsKernel(ctx, nodes, nOut, P, layout === 'group' ? [P, 1] : [1, nOut], scratch));
  return { kernels, scratchBytes: twoPass ? [K * nOut * P * 4] : [] };
}

const join = (a: string, b: string): string => (a === '' ? b : b === '0u' ? a : `${a} + ${b}`);

/** Pass 2: out_i[o] = reduce over p of partials[i][o * so + p * sp], an invocation per output. */
function partialsKernel(ctx: TemplateContext, nodes: readonly ReduceNode[], nOut: number, P: number, [so, sp]: [number, number], scratch: Slot): KernelDraft {
  const b = new Bindings(ctx);
  const src = b.read(scratch);
  const outs = nodes.map((r) => b.write({ node: r.id as NodeId }));
  b.check();
  const u = new Uniforms();
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
