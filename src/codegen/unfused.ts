import { match } from 'ts-pattern';
import { limitError } from '../ir/errors.js';
import type { Node } from '../ir/node.js';
import { BINARY, REDUCE, UNARY, WHERE } from '../ir/ops.js';
import { broadcastStrides, numel, stridesOf, type ConcreteShape } from '../ir/shape.js';
import { blockedSumDecls, blockedSumFinish, blockedSumStep, computeBuiltins, dispatch1d, kernelSource, linearGroup, storageDecls, SUM_BLOCK, Uniforms, WORKGROUP, WorkgroupMemory, type Indexing } from './wgsl.js';

/**
 * One scalar kernel per primitive node: the `none` strategy's baseline, which materializes every
 * intermediate. Deliberately plain (one element per invocation); fusion is measured against it.
 */
export interface SingleOpKernel {
  readonly wgsl: string;
  readonly uniforms: Uint32Array;
  readonly dispatch: [number, number, number];
  /** Bytes of the kernel's `var<workgroup>` arrays. */
  readonly workgroupBytes: number;
}

export interface OpContext {
  readonly node: Node;
  readonly shape: ConcreteShape;
  readonly inputShapes: readonly ConcreteShape[];
  readonly maxWorkgroupsPerDim: number;
  readonly indexing: Indexing;
}

export function singleOpKernel(ctx: OpContext): SingleOpKernel {
  const n = ctx.node;
  return match(n)
    .with({ op: 'unary' }, (x) => mapKernel(ctx, (v) => UNARY[x.fn].wgsl(v[0]!), inputStridesBroadcast(ctx)))
    .with({ op: 'binary' }, (x) => mapKernel(ctx, (v) => BINARY[x.fn].wgsl(v[0]!, v[1]!), inputStridesBroadcast(ctx)))
    .with({ op: 'where' }, () => mapKernel(ctx, (v) => WHERE.wgsl(v[0]!, v[1]!, v[2]!), inputStridesBroadcast(ctx)))
    .with({ op: 'broadcast' }, () => mapKernel(ctx, (v) => v[0]!, inputStridesBroadcast(ctx)))
    .with({ op: 'transpose' }, (x) => {
      const st = stridesOf(ctx.inputShapes[0]!);
      return mapKernel(ctx, (v) => v[0]!, [x.perm.map((p) => st[p]!)]);
    })
    .with({ op: 'reduce' }, (x) => reduceKernel(ctx, x.fn, x.axes))
    .with({ op: 'matmul' }, () => matmulKernel(ctx))
    .with({ op: 'input' }, { op: 'const' }, { op: 'reshape' }, () => {
      throw new Error(`node %${n.id} (${n.op}) has no kernel: it is a buffer or an alias`);
    })
    .exhaustive();
}

function inputStridesBroadcast(ctx: OpContext): number[][] {
  return ctx.inputShapes.map((s) => broadcastStrides(s, ctx.shape));
}

/** out[i] = f(in_k[offset_k(i)]), offsets from per-input strides over the output's multi-index. */
function mapKernel(ctx: OpContext, f: (vals: string[]) => string, strides: readonly (readonly number[])[]): SingleOpKernel {
  const u = new Uniforms(ctx.indexing);
  const total = numel(ctx.shape);
  const N = u.push(total);
  const contiguous = strides.map((st) => sameAsRowMajor(st, ctx.shape));
  const dims = ctx.shape.map((d) => u.push(d));
  const body: string[] = [];
  const needIndex = contiguous.some((c) => !c);
  if (needIndex) {
    body.push('var rem = i;');
    for (let d = ctx.shape.length - 1; d >= 0; d--) {
      body.push(`let c${d} = rem % ${dims[d]}; rem = rem / ${dims[d]};`);
    }
  }
  const vals = strides.map((st, k) => {
    if (contiguous[k]) return `in${k}[i]`;
    const terms = st.map((s, d) => (s === 0 ? '' : `c${d} * ${u.push(s)}`)).filter((t) => t !== '');
    return `in${k}[${terms.length > 0 ? terms.join(' + ') : '0u'}]`;
  });
  vals.forEach((v, k) => body.push(`let v${k} = ${v};`));
  body.push(`out[i] = ${f(vals.map((_, k) => `v${k}`))};`);
  const reads = strides.map((_, k) => `in${k}`);
  const wgsl = kernelSource([
    storageDecls(reads, ['out']),
    u.decl(reads.length + 1),
    `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  let i = group * ${WORKGROUP}u + lid;\n  if (i >= ${N}) { return; }\n  ${body.join('\n  ')}\n}`,
  ]);
  return { wgsl, uniforms: u.data(), dispatch: dispatch1d(Math.ceil(total / WORKGROUP), ctx.maxWorkgroupsPerDim), workgroupBytes: 0 };
}

function sameAsRowMajor(st: readonly number[], shape: ConcreteShape): boolean {
  const rm = stridesOf(shape);
  return st.every((s, d) => s === rm[d] || shape[d] === 1);
}

/** Decomposes `idx` over `sizes` (row-major) and sums coordinate * stride. */
function offsetExpr(u: Uniforms, idx: string, sizes: readonly number[], strides: readonly number[], tag: string, out: string[]): string {
  if (sizes.length === 0) return '0u';
  out.push(`var ${tag}r = ${idx};`);
  out.push(`var ${tag}o = 0u;`);
  for (let d = sizes.length - 1; d >= 0; d--) {
    const sz = u.push(sizes[d]!);
    out.push(`${tag}o = ${tag}o + (${tag}r % ${sz}) * ${u.push(strides[d]!)}; ${tag}r = ${tag}r / ${sz};`);
  }
  return `${tag}o`;
}

/**
 * A reduction over any set of axes. Long reductions get a workgroup per output element (strided
 * loads, then a tree in workgroup memory); short ones one invocation per output element.
 */
function reduceKernel(ctx: OpContext, fn: keyof typeof REDUCE, axes: readonly number[]): SingleOpKernel {
  const inShape = ctx.inputShapes[0]!;
  const st = stridesOf(inShape);
  const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
  const red = axes;
  const nOut = kept.reduce((p, d) => p * inShape[d]!, 1);
  const nRed = red.reduce((p, d) => p * inShape[d]!, 1);
  const r = REDUCE[fn];
  const u = new Uniforms(ctx.indexing);
  const NOUT = u.push(nOut);
  const NRED = u.push(nRed);
  const pre: string[] = [];
  const loop: string[] = [];
  const base = offsetExpr(u, 'o', kept.map((d) => inShape[d]!), kept.map((d) => st[d]!), 'k', pre);
  const off = offsetExpr(u, 'j', red.map((d) => inShape[d]!), red.map((d) => st[d]!), 'q', loop);
  const decls = [storageDecls(['in0'], ['out']), u.decl(2)];
  if (nRed <= 64) {
    const wgsl = kernelSource([
      ...decls,
      `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  let o = group * ${WORKGROUP}u + lid;\n  if (o >= ${NOUT}) { return; }\n  ${pre.join('\n  ')}\n  let base = ${base};\n  var acc = ${r.wgslIdentity};\n  for (var j = 0u; j < ${NRED}; j = j + 1u) {\n    ${loop.join('\n    ')}\n    acc = ${r.wgsl('acc', `in0[base + ${off}]`)};\n  }\n  out[o] = acc;\n}`,
    ]);
    return { wgsl, uniforms: u.data(), dispatch: dispatch1d(Math.ceil(nOut / WORKGROUP), ctx.maxWorkgroupsPerDim), workgroupBytes: 0 };
  }
  const tree: string[] = [];
  for (let s = WORKGROUP / 2; s >= 1; s /= 2) {
    tree.push(`if (lid < ${s}u) { part[lid] = ${r.wgsl('part[lid]', `part[lid + ${s}u]`)}; }\n  workgroupBarrier();`);
  }
  // A lane's share of a long sum accumulates in blocks (see SUM_BLOCK).
  const blocked = fn === 'sum' && nRed > WORKGROUP * SUM_BLOCK;
  const add = (a: string, b: string): string => `(${a} + ${b})`;
  const accumulate = blocked ? [`accb = accb + in0[base + ${off}];`, ...blockedSumStep(['acc'], 'nb', '0.0', add)].join('\n    ') : `acc = ${r.wgsl('acc', `in0[base + ${off}]`)};`;
  const shared = new WorkgroupMemory();
  shared.array('part', 'f32', [WORKGROUP]);
  const wgsl = kernelSource([
    ...decls,
    ...shared.decls(),
    `@compute @workgroup_size(${WORKGROUP})\nfn main(${computeBuiltins}) {\n  ${linearGroup}\n  let o = group;\n  if (o >= ${NOUT}) { return; }\n  ${pre.join('\n  ')}\n  let base = ${base};\n  var acc = ${r.wgslIdentity};${blocked ? `\n  ${blockedSumDecls(['acc'], 'nb', '0.0').join('\n  ')}` : ''}\n  for (var j = lid; j < ${NRED}; j = j + ${WORKGROUP}u) {\n    ${loop.join('\n    ')}\n    ${accumulate}\n  }${blocked ? `\n  ${blockedSumFinish(['acc'], add).join('\n  ')}` : ''}\n  part[lid] = acc;\n  workgroupBarrier();\n  ${tree.join('\n  ')}\n  if (lid == 0u) { out[o] = part[0]; }\n}`,
  ]);
  return { wgsl, uniforms: u.data(), dispatch: dispatch1d(nOut, ctx.maxWorkgroupsPerDim), workgroupBytes: shared.bytes };
}

const TILE = 16;

/** A 16x16 tiled matmul through workgroup memory; batch in z. */
function matmulKernel(ctx: OpContext): SingleOpKernel {
  const [sa, sb] = ctx.inputShapes as [ConcreteShape, ConcreteShape];
  const out = ctx.shape;
  const M = out[out.length - 2]!;
  const N = out[out.length - 1]!;
  const K = sa[sa.length - 1]!;
  const batch = out.length === 3 ? out[0]! : 1;
  const aBatch = sa.length === 3 && sa[0]! > 1 ? M * K : 0;
  const bBatch = sb.length === 3 && sb[0]! > 1 ? K * N : 0;
  const gx = Math.ceil(N / TILE);
  const gy = Math.ceil(M / TILE);
  const lim = ctx.maxWorkgroupsPerDim;
  if (gx > lim || gy > lim || batch > lim) {
    throw limitError(`matmul %${ctx.node.id}: [${out.join(', ')}] needs ${gx}x${gy}x${batch} workgroups, over the limit of ${lim} per dimension`);
  }
  const u = new Uniforms(ctx.indexing);
  const [uM, uN, uK, uA, uB] = [M, N, K, aBatch, bBatch].map((v) => u.push(v)) as [string, string, string, string, string];
  const tiles = new WorkgroupMemory();
  tiles.array('ta', 'f32', [TILE, TILE]);
  tiles.array('tb', 'f32', [TILE, TILE]);
  const wgsl = kernelSource([
    storageDecls(['a', 'b'], ['out']),
    u.decl(3),
    tiles.decls().join('\n'),
    `@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let row = wid.y * ${TILE}u + l.y;
  let col = wid.x * ${TILE}u + l.x;
  let ao = wid.z * ${uA};
  let bo = wid.z * ${uB};
  var acc = 0.0;
  for (var t = 0u; t < ${uK}; t = t + ${TILE}u) {
    let ka = t + l.x;
    let kb = t + l.y;
    ta[l.y][l.x] = select(0.0, a[ao + min(row, ${uM} - 1u) * ${uK} + min(ka, ${uK} - 1u)], row < ${uM} && ka < ${uK});
    tb[l.y][l.x] = select(0.0, b[bo + min(kb, ${uK} - 1u) * ${uN} + min(col, ${uN} - 1u)], kb < ${uK} && col < ${uN});
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k = k + 1u) {
      acc = acc + ta[l.y][k] * tb[k][l.x];
    }
    workgroupBarrier();
  }
  if (row < ${uM} && col < ${uN}) {
    out[wid.z * ${uM} * ${uN} + row * ${uN} + col] = acc;
  }
}`,
  ]);
  return { wgsl, uniforms: u.data(), dispatch: [gx, gy, batch], workgroupBytes: tiles.bytes };
}
