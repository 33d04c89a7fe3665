import { MATMUL_GEOMETRY, REDUCE_SPLIT } from '../plan/kernel-geometry.js';
import type { Node, NodeId } from '../ir/node.js';
import { BINARY, F16_CONVERT_WEIGHT, MATMUL_WEIGHT, REDUCE, UNARY, WHERE } from '../ir/ops.js';
import { numel, type ConcreteShape } from '../ir/shape.js';
import type { FusedOp, OpCost } from '../plan/plan.js';
import { DEFAULT_KERNEL_PARAMS, type DeviceProfile } from './profile.js';

export interface CostGraph {
  node(id: NodeId): Node;
  readonly shapes: readonly ConcreteShape[];
}

/** Bytes per element of the tensor a node reads or writes (by the node owning the buffer or a view of it). */
export type ElemBytes = (id: NodeId) => number;
/** Every tensor f32: the plans of the search (storage types are chosen after it, see precision.ts). */
const f32Bytes: ElemBytes = () => 4;

/** Arithmetic weight of one evaluation of a node (per output cell; reductions per input cell). */
export function nodeWeight(n: Node): number {
  // A plain switch: this runs for every member of every operator of every plan the search costs.
  switch (n.op) {
    case 'unary':
      return UNARY[n.fn].weight;
    case 'binary':
      return BINARY[n.fn].weight;
    case 'where':
      return WHERE.weight;
    case 'reduce':
      return REDUCE[n.fn].weight;
    case 'matmul':
      return MATMUL_WEIGHT;
    case 'input':
    case 'const':
    case 'reshape':
    case 'broadcast':
    case 'transpose':
      return 0;
  }
}

// Kernel geometry, as codegen emits it (src/codegen/templates/*.ts; docs/codegen.md).
/**
 * Thread-layout reductions split into partials below TARGET_THREADS output items when the reduced
 * extent is longer than THREAD_CHUNK; the group layout below TARGET_GROUPS outputs, longer than
 * GROUP_CHUNK (codegen's own thresholds).
 */
const { targetThreads: TARGET_THREADS, threadChunk: THREAD_CHUNK, targetGroups: TARGET_GROUPS, groupChunk: GROUP_CHUNK } = REDUCE_SPLIT;
/** The tiled matmul's output tile and k-step; the unfused matmul's square tile. */
const { tileM: TILE_M, tileN: TILE_N, tileK: TILE_K, skinnyN: SKINNY_N } = MATMUL_GEOMETRY;
const SINGLE_TILE = 16;
const WORKGROUP = 256;

/**
 * A reduction runs as two passes (partials, then a small final pass) when few output items share
 * a long reduction: exactly reduce.ts's rule. `perItem`: outputs per invocation (4 for column
 * reductions loaded as vec4).
 */
export function isTwoPass(outputs: number, reduced: number, perItem = 1, layout: 'thread' | 'group' = 'thread'): boolean {
  if (layout === 'group') return outputs < TARGET_GROUPS && reduced > GROUP_CHUNK;
  return outputs / perItem < TARGET_THREADS && reduced > THREAD_CHUNK;
}

const pow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Lanes per row and whether a lane caches its share of a row: row.ts's rule. */
function rowLayout(rows: number, cols: number, minLanes: number, cacheMax: number): { lanes: number; caching: boolean } {
  const lanes = Math.min(WORKGROUP, pow2(Math.ceil(minLanes / rows)), pow2(Math.ceil(cols / 4)));
  return { lanes, caching: pow2(Math.ceil(cols / lanes)) <= cacheMax };
}

/**
 * Estimated time of one fused operator:
 *   launches * launchMs + max(bytes moved / bandwidth,
 *                             weighted arithmetic / its rate (prologue arithmetic at its own) + matmul flops / matmul rate + prologue loads)
 * where members are charged per evaluation (a member broadcast over a larger iteration space is
 * evaluated once per cell of that space; matmul prologues once per tile load), each distinct input
 * is read once (row programs that cannot cache a row read it once per phase), every output is
 * written once, two-pass reductions add a launch, and matmul flops count the tiles codegen runs
 * (64 x 64 outputs, k-steps of 8; skinny products at least `skinnyMinRows` rows). Bandwidth and
 * matmul rate are the profile's maxima times the template's share (so scaling bytesPerMs or
 * matmulFlopsPerMs scales every template, and the search's lower bound stays below every cost).
 */
export function opCost(g: CostGraph, op: FusedOp, p: DeviceProfile, elemBytes: ElemBytes = f32Bytes): OpCost {
  const size = (id: NodeId): number => numel(g.shapes[id]!);
  const members = op.members.map((m) => g.node(m));
  const reduces = members.filter((n) => n.op === 'reduce');
  const space = iterationSpace(g, op);
  const row = op.template === 'row' ? rowProgram(g, op, members, p) : null;
  const rowPhases = row === null || row.caching ? 1 : row.phases;
  let bytesRead = 0;
  for (const i of op.inputs) {
    const n = g.node(i);
    if (n.op === 'const' && n.data.length === 1) continue;
    bytesRead += size(i) * elemBytes(i) * (rowPhases > 1 && size(i) === space ? rowPhases : 1);
  }
  const bytesWritten = op.outputs.reduce((s, o) => s + size(o) * elemBytes(o), 0);
  // Every f16 element loaded or stored is converted to or from f32 once.
  const converted = [...op.inputs, ...op.outputs].reduce((s, id) => s + (elemBytes(id) === 2 ? size(id) : 0), 0);
  let flops = F16_CONVERT_WEIGHT * converted;
  let prologueFlops = 0;
  let mmFlops = 0;
  let mmMs = 0;
  let launches = 1;
  const prologue = op.template === 'matmul' ? matmulPrologue(g, op) : null;
  for (const n of members) {
    const w = nodeWeight(n);
    if (n.op === 'matmul') {
      const m = matmulFlops(g, n, op.template === 'single', p);
      mmFlops += m.flops;
      mmMs += m.flops / m.rate;
    } else if (n.op === 'reduce') {
      flops += w * size(n.inputs[0]!);
    } else if (prologue !== null) {
      if (prologue.inPrologue(n)) prologueFlops += w * prologue.evaluations(n);
      else flops += w * prologue.evaluations(n);
    } else if (row !== null && isPerRow(g, n, space)) {
      flops += w * size(n.id);
    } else if (row !== null && !row.caching) {
      // Without a cache a row element value is recomputed in every phase from its own on.
      flops += w * space * Math.max(1, row.phases - (row.level.get(n.id) ?? 0));
    } else {
      flops += w * space;
    }
  }
  // (The unfused reduction kernel is always one pass: a workgroup tree per output.)
  if ((op.template === 'cell' || op.template === 'magg') && reduces.length > 0) {
    const red = reduces[0]!;
    const outs = size(red.id);
    const operand = g.shapes[red.inputs[0]!]!;
    const last = operand.length - 1;
    const perItem = last >= 0 && !red.axes.includes(last) && operand[last]! % 4 === 0 ? 4 : 1;
    const layout = p.kernels?.reduce?.layout ?? DEFAULT_KERNEL_PARAMS.reduce.layout;
    if (isTwoPass(outs, size(red.inputs[0]!) / Math.max(1, outs), perItem, layout)) launches = 2;
  }
  const b = p.bandwidth;
  const share =
    op.template === 'single' ? b?.single : op.template === 'row' ? b?.row : op.template === 'matmul' ? 1 : reduces.length > 0 ? b?.reduce : b?.cell;
  const bandwidth = p.bytesPerMs * Math.min(1, share ?? 1);
  // Each prologue evaluation reading more than the operand's own leaf pays for the extra index
  // arithmetic and loads (the operand's own load is in the matmul rate).
  const loadMs = prologue === null ? 0 : prologue.extraLoads * (p.matmul?.prologueLoadMs ?? 0);
  const flopsPerMs = p.flopsPerMs * Math.min(1, (op.template === 'row' ? p.arithmetic?.row : undefined) ?? 1);
  const prologueMs = prologueFlops / (p.flopsPerMs * Math.min(1, p.arithmetic?.prologue ?? 1));
  const ms = launches * p.launchMs + Math.max((bytesRead + bytesWritten) / bandwidth, flops / flopsPerMs + prologueMs + mmMs + loadMs);
  return { op: op.id, ms, bytesRead, bytesWritten, flops: flops + prologueFlops + mmFlops, launches };
}

/**
 * The flops a matmul kernel performs (2 per multiply-add, padding included) and its rate: the
 * tiled kernel computes whole 64 x 64 tiles in k-steps of 8; the skinny kernel (N <= 4) one row
 * per invocation, at least skinnyMinRows rows' worth; the unfused kernel 16 x 16 tiles.
 */
export function matmulFlops(g: CostGraph, mm: Node, unfused: boolean, p: DeviceProfile): { flops: number; rate: number } {
  const out = g.shapes[mm.id]!;
  const a = g.shapes[mm.inputs[0]!]!;
  const M = out[out.length - 2]!;
  const N = out[out.length - 1]!;
  const K = a[a.length - 1]!;
  const batch = numel(out) / (M * N);
  const up = (x: number, t: number): number => Math.ceil(x / t) * t;
  const m = p.matmul;
  const rate = (share: number | undefined): number => p.matmulFlopsPerMs * Math.min(1, share ?? 1);
  if (unfused) return { flops: MATMUL_WEIGHT * batch * up(M, SINGLE_TILE) * up(N, SINGLE_TILE) * up(K, SINGLE_TILE), rate: rate(m?.single) };
  if (N <= SKINNY_N) return { flops: MATMUL_WEIGHT * Math.max(batch * M, m?.skinnyMinRows ?? 1) * N * K, rate: rate(m?.skinny) };
  return { flops: MATMUL_WEIGHT * batch * up(M, TILE_M) * up(N, TILE_N) * up(K, TILE_K), rate: rate(m?.tiled) };
}

/** Cells of the space a cell/row/magg kernel iterates over. */
function iterationSpace(g: CostGraph, op: FusedOp): number {
  const r = op.members.find((m) => g.node(m).op === 'reduce');
  if (r !== undefined) return numel(g.shapes[g.node(r).inputs[0]!]!);
  return Math.max(...op.outputs.map((o) => numel(g.shapes[o]!)));
}

function isPerRow(g: CostGraph, n: Node, space: number): boolean {
  const shape = g.shapes[n.id]!;
  return shape.length > 0 && shape[shape.length - 1] === 1 && numel(shape) < space;
}

/**
 * A row program's phases (the longest chain of reductions an output depends on, + 1 for element
 * outputs), each member's level (reductions it depends on in sequence), and whether a lane caches
 * its share of a row. Without the cache, row-sized inputs are read once per phase and element
 * values recomputed in each phase that needs them.
 */
function rowProgram(g: CostGraph, op: FusedOp, members: readonly Node[], p: DeviceProfile): { caching: boolean; phases: number; level: Map<NodeId, number> } {
  const level = new Map<NodeId, number>();
  const red = members.find((n) => n.op === 'reduce');
  if (red === undefined) return { caching: true, phases: 1, level };
  const S = g.shapes[red.inputs[0]!]!;
  const C = S[S.length - 1]!;
  const rows = numel(S) / Math.max(1, C);
  const k = p.kernels?.row;
  const d = DEFAULT_KERNEL_PARAMS.row;
  const inside = new Set(op.members);
  for (const n of members) {
    const ins = n.inputs.filter((i) => inside.has(i)).map((i) => level.get(i) ?? 0);
    const l = n.op === 'transpose' ? 0 : Math.max(0, ...ins);
    level.set(n.id, n.op === 'reduce' ? l + 1 : l);
  }
  let phases = 1;
  for (const o of op.outputs) {
    const l = level.get(o) ?? 0;
    phases = Math.max(phases, g.node(o).op === 'reduce' ? l : numel(g.shapes[o]!) === numel(S) ? l + 1 : l);
  }
  return { caching: rowLayout(rows, C, k?.minLanes ?? d.minLanes, k?.cacheMax ?? d.cacheMax).caching, phases, level };
}

/**
 * Prologue members are re-evaluated on every tile load, padding included: an A-side member once
 * per element of the padded A tiles of each column tile of the product (ceil(N/64) times; the
 * skinny kernel reads each A row once), a B-side member once per element of the padded B tiles of
 * each row tile (ceil(M/64) times; the skinny kernel once per row). Epilogue members once per
 * output cell. `extraLoads`: prologue evaluations times the leaves each reads beyond one.
 */
function matmulPrologue(g: CostGraph, op: FusedOp): { evaluations: (n: Node) => number; inPrologue: (n: Node) => boolean; extraLoads: number } {
  const mm = g.node(op.members.find((m) => g.node(m).op === 'matmul')!);
  const inside = new Set(op.members);
  // The members each operand's prologue is computed from, and the leaves they read.
  const side = (root: NodeId): { members: Set<NodeId>; leaves: number } => {
    const seen = new Set<NodeId>();
    const leaves = new Set<NodeId>();
    const stack = [root];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      if (!inside.has(x)) {
        const n = g.node(x);
        if (!(n.op === 'const' && n.data.length === 1) && x !== root) leaves.add(x);
        continue;
      }
      seen.add(x);
      stack.push(...g.node(x).inputs);
    }
    return { members: seen, leaves: leaves.size };
  };
  const a = side(mm.inputs[0]!);
  const b = side(mm.inputs[1]!);
  const out = g.shapes[mm.id]!;
  const sa = g.shapes[mm.inputs[0]!]!;
  const M = out[out.length - 2]!;
  const N = out[out.length - 1]!;
  const K = sa[sa.length - 1]!;
  const batch = numel(out) / (M * N);
  const up = (x: number, t: number): number => Math.ceil(x / t) * t;
  const skinny = N <= SKINNY_N;
  const aEvals = skinny ? batch * M * K : batch * up(M, TILE_M) * up(K, TILE_K) * Math.ceil(N / TILE_N);
  const bEvals = skinny ? batch * M * K * N : batch * up(K, TILE_K) * up(N, TILE_N) * Math.ceil(M / TILE_M);
  return {
    evaluations: (n) => (a.members.has(n.id) ? aEvals : b.members.has(n.id) ? bEvals : numel(out)),
    inPrologue: (n) => a.members.has(n.id) || b.members.has(n.id),
    extraLoads: (a.members.size > 0 ? aEvals * Math.max(0, a.leaves - 1) : 0) + (b.members.size > 0 ? bEvals * Math.max(0, b.leaves - 1) : 0),
  };
}

export function planCost(g: CostGraph, ops: readonly FusedOp[], p: DeviceProfile, elemBytes: ElemBytes = f32Bytes): { costs: OpCost[]; ms: number } {
  const costs = ops.map((o) => opCost(g, o, p, elemBytes));
  return { costs, ms: costs.reduce((s, c) => s + c.ms, 0) };
}
