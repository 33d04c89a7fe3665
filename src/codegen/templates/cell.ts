/**
 * Cell template without aggregation: every output has the iteration space's shape S, one pass.
 * lavapipe (and most GPUs) reward wide loads and several elements per invocation, so when S's
 * innermost (coalesced) extent is a multiple of 4 and every leaf is contiguous or broadcast along
 * it, each invocation loads, computes and stores vec4s; otherwise scalars. Either way an invocation
 * handles `perThread` items strided by the total invocation count, so neighbouring invocations
 * touch neighbouring memory at each step. See docs/codegen.md for the measurements behind the
 * defaults.
 */
import { sameShape } from '../../ir/graph.js';
import { numel } from '../../ir/shape.js';
import { ExprKernel, type Ctx, type ExprHost, type Scope } from '../expr.js';
import { computeBuiltins, dispatch1d, kernelSource, linearGroup, Uniforms, WORKGROUP } from '../wgsl.js';
import { coalesce, stridesIn, viewKey, type LeafView } from '../views.js';
import { Bindings, templateError, type OpLowering, type TemplateContext } from './common.js';
import { decompose, dot, isRowMajor } from './index-math.js';

export interface CellOptions {
  /** Use vec4 loads/stores where the layout allows (default true). */
  readonly vectorize?: boolean;
  /** Items (vec4s or scalars) per invocation, both paths (wins over the two below). */
  readonly perThread?: number;
  /** vec4s per invocation on the vectorized path (default VEC4_PER_THREAD; a device profile may choose). */
  readonly vec4PerThread?: number;
  /** Scalars per invocation on the scalar path (default SCALAR_PER_THREAD). */
  readonly scalarPerThread?: number;
}

const VEC4_PER_THREAD = 4;
const SCALAR_PER_THREAD = 8;

export function cellTemplate(ctx: TemplateContext, opts: CellOptions = {}): OpLowering {
  const { op, graph, shapes } = ctx;
  const S = shapes[op.outputs[0]!]!;
  for (const o of op.outputs) {
    if (!sameShape(shapes[o]!, S)) throw templateError(op, `cell outputs must share one shape: %${o} is [${shapes[o]!.join(', ')}], not [${S.join(', ')}]`);
  }
  for (const m of op.members) {
    const n = graph.node(m);
    if (n.op === 'reduce' || n.op === 'matmul') throw templateError(op, `member %${m} (${n.op}) needs another template`);
  }
  const views = new Map<string, LeafView>();
  const probe = new ExprKernel(graph, shapes, ctx.members, { leaf: () => '' }, undefined);
  for (const v of probe.leavesOf(op.outputs)) if (v.scalar === undefined) views.set(viewKey(v), v);
  const leafList = [...views.values()];
  const co = coalesce(S, leafList.map((v) => stridesIn(v, S)));
  const dims = co.dims.length > 0 ? co.dims : [1];
  const strides = new Map(leafList.map((v, i) => [viewKey(v), co.strides[i]!.length > 0 ? co.strides[i]! : [0]]));
  const last = dims.length - 1;
  const inner = dims[last]!;
  const vec4 =
    opts.vectorize !== false &&
    inner % 4 === 0 &&
    [...strides.values()].every((st) => st[last] === 0 || (st[last] === 1 && st.every((s, d) => d === last || s % 4 === 0)));

  const b = new Bindings(ctx);
  for (const v of leafList) b.read({ node: v.base }, vec4 && strides.get(viewKey(v))![last] === 1);
  const outNames = op.outputs.map((o) => b.write({ node: o }, vec4));
  b.check();

  const u = new Uniforms(ctx.indexing);
  const total = numel(S);
  const items = vec4 ? total / 4 : total;
  const per = Math.max(1, opts.perThread ?? (vec4 ? (opts.vec4PerThread ?? VEC4_PER_THREAD) : (opts.scalarPerThread ?? SCALAR_PER_THREAD)));
  const groups = Math.max(1, Math.ceil(items / (WORKGROUP * per)));
  const N = u.push(items);
  const G = u.push(groups);
  // Coordinates over dims in item units: the innermost extent counts vec4s in vec4 mode.
  const itemDims = vec4 ? [...dims.slice(0, last), inner / 4] : dims;
  const rowMajor = (st: readonly number[]): boolean => isRowMajor(dims, st);
  const needCoords = [...strides.values()].some((st) => !rowMajor(st));
  let coords: string[] = [];

  const host: ExprHost = {
    leaf(v: LeafView, _ctx: Ctx, scope: Scope): string {
      const st = strides.get(viewKey(v))!;
      const name = b.readName({ node: v.base });
      if (rowMajor(st)) return vec4 ? b.load(name, 'i') : b.scalarAt(name, 'i');
      if (!vec4) return b.scalarAt(name, dot(u, coords, st));
      if (st[last] === 1) {
        // Every other stride is a multiple of 4, so the vec4 index is the element offset / 4.
        const outer = dot(u, coords.slice(0, last), st.slice(0, last).map((s) => s / 4));
        return b.load(name, outer === '0u' ? coords[last]! : `${outer} + ${coords[last]!}`);
      }
      return `vec4<f32>(${b.scalarAt(name, scope.let(dot(u, coords, st), 'off'))})`;
    },
  };
  const k = new ExprKernel(graph, shapes, ctx.members, host, u, vec4);
  const body = k.scope();
  if (needCoords) coords = decompose(body, u, 'i', itemDims);
  const stores = op.outputs.map((o, j) => b.store(outNames[j]!, 'i', body.value(o, 'e')));
  const lines = [...body.lines, ...stores];
  const main = `@compute @workgroup_size(${WORKGROUP})
fn main(${computeBuiltins}) {
  ${linearGroup}
  if (group >= ${G}) { return; }
  let gid = group * ${WORKGROUP}u + lid;
  let stride = ${G} * ${WORKGROUP}u;
  for (var e = 0u; e < ${per}u; e = e + 1u) {
    let i = gid + e * stride;
    if (i >= ${N}) { break; }
    ${lines.join('\n    ')}
  }
}`;
  const wgsl = kernelSource([k.helperSource(), b.decls(), u.decl(b.count), main].filter((s) => s !== ''));
  return {
    kernels: [{ wgsl, uniforms: u.data(), dispatch: dispatch1d(groups, ctx.limits.maxComputeWorkgroupsPerDimension), ...b.slots(), workgroupBytes: 0 }],
    scratchBytes: [],
  };
}
