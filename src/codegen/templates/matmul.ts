/**
 * Matmul with prologue and epilogue: A [.., M, K] x B [.., K, N] with batch broadcast (rank 2 or
 * 3). Members upstream of the matmul (the prologue) are evaluated elementwise at the operand's
 * index while tiles load into workgroup memory, so relu(X) @ W never materializes relu(X); members
 * downstream (the epilogue: bias, activation, residual, scaling) are applied to the accumulator
 * before the one store.
 *
 * Tiling: a workgroup computes a TM x TN tile of one batch entry; each of its 128 invocations owns
 * an RM x RN = 8 x 4 block of outputs (register blocking: three vec4 workgroup-memory loads feed
 * 32 multiply-adds per k step). Loads outside [M, K] / [K, N] read a clamped index and are replaced by 0, so any size
 * works, and a prologue that is NaN at the clamped index cannot leak in.
 */
import type { NodeId } from '../../ir/node.js';
import { ExprKernel, type Ctx, type ExprHost, type Scope } from '../expr.js';
import { stridesIn, type LeafView } from '../views.js';
import { dispatch1d, kernelSource, Uniforms, WORKGROUP, WorkgroupMemory } from '../wgsl.js';
import { limitError } from '../../ir/errors.js';
import { sameShape } from '../../ir/graph.js';
import { Bindings, opName, templateError, type OpLowering, type TemplateContext } from './common.js';
import { dot } from './index-math.js';
import { MATMUL_GEOMETRY } from '../../plan/kernel-geometry.js';

const { tileM: TM, tileN: TN, tileK: TK, skinnyN: SKINNY_N, rowsPerInvocation: RM, colsPerInvocation: RN } = MATMUL_GEOMETRY;
/** Invocations per tiled workgroup: one per RM x RN block of the TM x TN tile. */
const THREADS = (TM / RM) * (TN / RN);

export function matmulTemplate(ctx: TemplateContext): OpLowering {
  const { op, graph, shapes } = ctx;
  const mm = matmulMember(ctx);
  const [A, B] = graph.node(mm).inputs as [NodeId, NodeId];
  const grid = matmulGrid(ctx, mm, A);
  const { rank, M, N, K, skinny } = grid;
  const SA = shapes[A]!;
  const SB = shapes[B]!;
  const Sout = shapes[mm]!;

  const probe = new ExprKernel(graph, shapes, ctx.members, { leaf: () => '' }, undefined);
  const stopAtMm = (id: NodeId): boolean => id === mm;
  const leafViews = [...probe.leavesOf([A, B]), ...probe.leavesOf(op.outputs, stopAtMm)].filter((v) => v.scalar === undefined);
  const b = new Bindings(ctx);
  for (const v of leafViews) b.read({ node: v.base });
  const outs = op.outputs.map((o) => b.write({ node: o }));
  b.check();

  const u = new Uniforms(ctx.indexing);
  const [UM, UN, UK] = [M, N, K].map((v) => u.push(v)) as [string, string, string];
  // Coordinates of each context; the batch coordinate is the workgroup's z.
  const coords: Record<Ctx, string[]> = {
    a: [...(SA.length === 3 ? ['z'] : []), 'am', 'ak'],
    b: [...(SB.length === 3 ? ['z'] : []), 'bk', 'bn'],
    o: [...(rank === 3 ? ['z'] : []), 'row', 'col'],
  };
  const space: Record<Ctx, readonly number[]> = { a: SA, b: SB, o: Sout };
  const host: ExprHost = {
    leaf: (v: LeafView, c: Ctx) => b.load(b.readName({ node: v.base }), dot(u, coords[c]!, stridesIn(v, space[c]!))),
    special: (id: NodeId, c: Ctx) => {
      if (id !== mm) return undefined;
      if (c !== 'o') throw templateError(op, 'the matmul cannot feed its own operands');
      return { expr: 'mmv', varies: true };
    },
  };
  const k = new ExprKernel(graph, shapes, ctx.members, host, u);
  const top = k.scope();
  const load = (scope: Scope, id: NodeId, c: Ctx): string => scope.value(id, c);
  const ind = (lines: readonly string[], n: number): string => lines.join(`\n${' '.repeat(n)}`);
  const parts: KernelParts = { k, top, b, u, op, outs, A, B, N, rank, UM, UN, UK, load, ind };
  if (skinny) {
    const wgsl = skinnyKernel(parts);
    return { kernels: [{ wgsl, uniforms: u.data(), dispatch: grid.groups, ...b.slots(), workgroupBytes: 0 }], scratchBytes: [] };
  }
  const { wgsl, workgroupBytes } = tiledKernel(parts, grid);
  return { kernels: [{ wgsl, uniforms: u.data(), dispatch: grid.groups, ...b.slots(), workgroupBytes }], scratchBytes: [] };
}

/** The op's one matmul member; outputs are the product or its epilogue, never its prologue. */
function matmulMember(ctx: TemplateContext): NodeId {
  const { op, graph, shapes } = ctx;
  const mms = op.members.filter((m) => graph.node(m).op === 'matmul');
  if (mms.length !== 1) throw templateError(op, `a matmul op has exactly one matmul member, not ${mms.length}`);
  const mm = mms[0]!;
  for (const m of op.members) if (graph.node(m).op === 'reduce') throw templateError(op, `member %${m} (reduce) cannot fuse into a matmul`);
  const Sout = shapes[mm]!;
  for (const o of op.outputs) {
    if (!sameShape(shapes[o]!, Sout)) throw templateError(op, `output %${o} must have the product's shape [${Sout.join(', ')}]`);
    if (isUpstream(ctx, o, mm)) throw templateError(op, `output %${o} feeds the matmul; only the product and its epilogue can be written`);
  }
  return mm;
}

/** The product's sizes and the workgroup grid that covers it. */
interface MatmulGrid {
  readonly rank: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly batch: number;
  readonly skinny: boolean;
  readonly mTiles: number;
  /** (batch, row tile) pairs numbered linearly over y and z (more row tiles than y holds). */
  readonly folded: boolean;
  readonly groups: [number, number, number];
}

function matmulGrid(ctx: TemplateContext, mm: NodeId, A: NodeId): MatmulGrid {
  const Sout = ctx.shapes[mm]!;
  const SA = ctx.shapes[A]!;
  const rank = Sout.length;
  const M = Sout[rank - 2]!;
  const N = Sout[rank - 1]!;
  const K = SA[SA.length - 1]!;
  const batch = rank === 3 ? Sout[0]! : 1;
  const skinny = N <= SKINNY_N;
  const lim = ctx.limits.maxComputeWorkgroupsPerDimension;
  // More row tiles than one dispatch dimension holds: (batch, row tile) pairs are numbered
  // linearly and spread over y and z, and the kernel recovers both from wid.z * nwg.y + wid.y.
  const mTiles = Math.ceil(M / TM);
  const folded = !skinny && mTiles > lim;
  const zFold = Math.ceil((mTiles * batch) / lim);
  const groups: [number, number, number] = skinny
    ? ([...dispatch1d(Math.ceil(M / WORKGROUP), lim).slice(0, 2), batch] as [number, number, number])
    : folded
      ? [Math.ceil(N / TN), Math.ceil((mTiles * batch) / zFold), zFold]
      : [Math.ceil(N / TN), mTiles, batch];
  if (groups.some((gdim) => gdim > lim)) throw limitError(`${opName(ctx.op)}: [${Sout.join(', ')}] needs ${groups.join('x')} workgroups, over ${lim} per dimension`);
  return { rank, M, N, K, batch, skinny, mTiles, folded, groups };
}

/**
 * The tiled kernel: A and B tiles load into workgroup memory (applying the prologue), each
 * invocation accumulates its RM x RN block, then the epilogue and the stores.
 */
function tiledKernel(p: KernelParts, grid: MatmulGrid): { wgsl: string; workgroupBytes: number } {
  const { top, load, ind, u, UM, UN, UK } = p;
  const { folded, mTiles, batch } = grid;
  const sa = top.child();
  const va = load(sa, p.A, 'a');
  const sb = top.child();
  const vb = load(sb, p.B, 'b');
  const epilogue = tiledEpilogue(p);
  // A's tile is stored k-major (transposed) so an invocation's RM rows are adjacent vec4s.
  const tiles = new WorkgroupMemory();
  tiles.array('As', 'vec4<f32>', [(TK * TM) / 4]);
  tiles.array('Bs', 'vec4<f32>', [(TK * TN) / 4]);
  const main = `${tiles.decls().join('\n')}

@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, ${folded ? '@builtin(num_workgroups) nwg: vec3<u32>, ' : ''}@builtin(local_invocation_index) lid: u32) {
  ${folded ? `let tile = wid.z * nwg.y + wid.y;
  if (tile >= ${u.push(mTiles * batch)}) { return; }
  let mt = ${u.push(mTiles)};
  let z = tile / mt;
  let m0 = (tile % mt) * ${TM}u;` : `let z = wid.z;
  let m0 = wid.y * ${TM}u;`}
  let n0 = wid.x * ${TN}u;
  let tx = lid % ${TN / RN}u;
  let ty = lid / ${TN / RN}u;
  ${ind(top.lines, 2)}
  ${Array.from({ length: RM }, (_, i) => `var acc${i} = vec4<f32>(0.0);`).join('\n  ')}
  for (var k0 = 0u; k0 < ${UK}; k0 = k0 + ${TK}u) {
    for (var q = 0u; q < ${(TM * TK) / THREADS}u; q = q + 1u) {
      let e = lid + q * ${THREADS}u;
      let am0 = m0 + e / ${TK}u;
      let ak0 = k0 + e % ${TK}u;
      let am = min(am0, ${UM} - 1u);
      let ak = min(ak0, ${UK} - 1u);
      ${ind(sa.lines, 6)}
      let ia = (e % ${TK}u) * ${TM}u + e / ${TK}u;
      As[ia / 4u][ia % 4u] = select(0.0, ${va}, am0 < ${UM} && ak0 < ${UK});
    }
    for (var q = 0u; q < ${(TN * TK) / THREADS}u; q = q + 1u) {
      let e = lid + q * ${THREADS}u;
      let bk0 = k0 + e / ${TN}u;
      let bn0 = n0 + e % ${TN}u;
      let bk = min(bk0, ${UK} - 1u);
      let bn = min(bn0, ${UN} - 1u);
      ${ind(sb.lines, 6)}
      Bs[e / 4u][e % 4u] = select(0.0, ${vb}, bk0 < ${UK} && bn0 < ${UN});
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk = kk + 1u) {
      // An invocation's RM-long A column and 4-long B row are aligned vec4s in workgroup memory.
      ${Array.from({ length: RM / 4 }, (_, j) => `let av${j} = As[kk * ${TM / 4}u + ty * ${RM / 4}u + ${j}u];`).join('\n      ')}
      let bv = Bs[kk * ${TN / 4}u + tx];
      ${Array.from({ length: RM }, (_, i) => `acc${i} = acc${i} + av${i >> 2}.${'xyzw'[i & 3]} * bv;`).join('\n      ')}
    }
    workgroupBarrier();
  }
  ${epilogue.join('\n  ')}
}`;
  return { wgsl: kernelSource([p.k.helperSource(), p.b.decls(), u.decl(p.b.count), main].filter((s) => s !== '')), workgroupBytes: tiles.bytes };
}

/**
 * The epilogue, unrolled over the invocation's RM x RN outputs: indexing the accumulators with
 * loop variables would keep them in memory instead of registers (lavapipe: 2x slower).
 */
function tiledEpilogue(p: KernelParts): string[] {
  const epilogue: string[] = [];
  for (let i = 0; i < RM; i++) {
    for (let c = 0; c < RN; c++) {
      const so = p.top.child();
      const stores = p.op.outputs.map((o, q) => p.b.store(p.outs[q]!, `${p.rank === 3 ? `(z * ${p.UM} + row)` : 'row'} * ${p.UN} + col`, so.value(o, 'o')));
      epilogue.push(`{
    let row = m0 + ty * ${RM}u + ${i}u;
    let col = n0 + tx * ${RN}u + ${c}u;
    if (row < ${p.UM} && col < ${p.UN}) {
      let mmv = acc${i}.${'xyzw'[c]};
      ${p.ind([...so.lines, ...stores], 6)}
    }
  }`);
    }
  }
  return epilogue;
}

/** Whether member `id` is upstream of `target` through members (part of its prologue). */
function isUpstream(ctx: TemplateContext, id: NodeId, target: NodeId): boolean {
  const seen = new Set<NodeId>();
  const stack = [...ctx.graph.node(target).inputs];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === id) return true;
    if (seen.has(n) || !ctx.members.has(n)) continue;
    seen.add(n);
    stack.push(...ctx.graph.node(n).inputs);
  }
  return false;
}

/** What both matmul kernels print from: the expression state, bindings and uniforms. */
interface KernelParts {
  readonly k: ExprKernel;
  readonly top: Scope;
  readonly b: Bindings;
  readonly u: Uniforms;
  readonly op: TemplateContext['op'];
  readonly outs: readonly string[];
  readonly A: NodeId;
  readonly B: NodeId;
  readonly N: number;
  readonly rank: number;
  readonly UM: string;
  readonly UN: string;
  readonly UK: string;
  readonly load: (scope: Scope, id: NodeId, c: Ctx) => string;
  readonly ind: (lines: readonly string[], n: number) => string;
}

/**
 * One invocation per output row: N accumulators (N <= SKINNY_N, baked in: the uniform N is the
 * same for every binding of the model's dims only when it is literal, and the source differs per
 * N anyway), a sequential loop over K applying the prologues, then the epilogue per column.
 */
function skinnyKernel(p: KernelParts): string {
  const { top, load, ind } = p;
  const sa = top.child();
  const va = load(sa, p.A, 'a');
  const cols = Array.from({ length: p.N }, (_, j) => j);
  const bParts = cols.map(() => {
    const sb = top.child();
    return { sb, vb: load(sb, p.B, 'b') };
  });
  const accumulate = cols.map((j) => `{
      let bk = kk;
      let bn = ${j}u;
      ${ind(bParts[j]!.sb.lines, 6)}
      acc${j} = acc${j} + av * ${bParts[j]!.vb};
    }`);
  const epilogue = cols.map((j) => {
    const so = top.child();
    const stores = p.op.outputs.map((o, q) => p.b.store(p.outs[q]!, `${p.rank === 3 ? `(z * ${p.UM} + row)` : 'row'} * ${p.UN} + col`, so.value(o, 'o')));
    return `{
    let col = ${j}u;
    let mmv = acc${j};
    ${ind([...so.lines, ...stores], 4)}
  }`;
  });
  const main = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let z = wid.z;
  let row = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  if (row >= ${p.UM}) { return; }
  ${ind(top.lines, 2)}
  ${cols.map((j) => `var acc${j} = 0.0;`).join('\n  ')}
  for (var kk = 0u; kk < ${p.UK}; kk = kk + 1u) {
    let am = row;
    let ak = kk;
    ${ind(sa.lines, 4)}
    let av = ${va};
    ${accumulate.join('\n    ')}
  }
  ${epilogue.join('\n  ')}
}`;
  return kernelSource([p.k.helperSource(), p.b.decls(), p.u.decl(p.b.count), main].filter((x) => x !== ''));
}
