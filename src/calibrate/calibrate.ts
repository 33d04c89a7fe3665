/**
 * Calibration: short microbenchmarks on the adapter that fill a DeviceProfile. Every kernel timed
 * here is one codegen emits for a small model planned by the planner (so the cost model counts its
 * bytes, flops and launches exactly as it will count a real plan's), timed per pass with timestamp
 * queries on persistent buffers (src/calibrate/gpu-timer.ts), median of interleaved rounds:
 *
 * - launchMs: a kernel over 64 elements, dispatched many times in one submit;
 * - copy floor: copyBufferToBuffer (reported, not used by the cost model);
 * - streaming: y = x + 1 as the vec4 cell kernel (items per invocation tuned), as the scalar cell
 *   kernel, as a reduction, as a row program, and as the unfused scalar kernel;
 * - arithmetic: chains of mul-add, exp, tanh, sigmoid, log, sqrt and div, fitted to one
 *   flopsPerMs with the op table's weights (src/ir/ops.ts); per-chain rates are reported;
 * - matmul: the 64 x 64 tiled kernel, the skinny (N <= 4) kernel with many and with few rows,
 *   transposed operands read in the kernel, and the unfused 16 x 16 kernel.
 * Kernel parameters (cell items per invocation, reduction layout, row lanes and cache) are chosen by
 * timing the variants lowerPlan offers.
 */
import { lowerPlan, type LowerPlanOptions } from '../codegen/lower.js';
import { Graph } from '../ir/graph.js';
import type { ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import type { Plan, Strategy } from '../plan/plan.js';
import { planModel } from '../planner/planner.js';
import type { AdapterSummary, Runtime } from '../runtime/types.js';
import { copyBytesPerMs, median, prepareTimed, type TimedProgram } from './gpu-timer.js';
import { DEFAULT_KERNEL_PARAMS, DEFAULT_PROFILE, type DeviceProfile, type KernelParams } from '../cost/profile.js';

export interface CalibrationProgress {
  /** Steps done so far (0 .. total). */
  readonly done: number;
  readonly total: number;
  /** What is being measured now (or 'done'). */
  readonly label: string;
}

export interface CalibrateOptions {
  /** Small sizes and few rounds (tests): a rough profile in a few seconds. */
  readonly quick?: boolean;
  readonly onProgress?: (p: CalibrationProgress) => void;
}

/** One timed kernel set: its median ms per run, and what the cost model counts for it. */
export interface Measurement {
  readonly name: string;
  readonly ms: number;
  readonly bytes: number;
  readonly flops: number;
  readonly launches: number;
  /** The rate this measurement implies (bytes/ms, flops/ms), where it is used for one. */
  readonly rate?: number;
}

export interface CalibrationResult {
  readonly profile: DeviceProfile;
  readonly adapter: AdapterSummary;
  /** Wall time of the whole calibration. */
  readonly ms: number;
  readonly copyBytesPerMs: number;
  /** Time of a matmul reading A transposed (strided) in the kernel over the plain one. */
  readonly transposedA: { readonly tiled: number; readonly skinny: number };
  readonly measurements: readonly Measurement[];
}

interface Case {
  readonly name: string;
  readonly model: ModelIR;
  readonly strategy?: Strategy;
  readonly lower?: Omit<LowerPlanOptions, 'limits'>;
}

/** A one-output model over fresh inputs: `build` gets the graph and returns the output node. */
function model(name: string, inputs: Record<string, number[]>, build: (g: Graph, x: Record<string, NodeId>) => NodeId): ModelIR {
  const g = new Graph();
  const ids: Record<string, NodeId> = {};
  for (const [n, s] of Object.entries(inputs)) ids[n] = g.input(n, s);
  const y = build(g, ids);
  return { name, graph: g, inputs: Object.keys(inputs).map((n) => ({ name: n, node: ids[n]! })), outputs: [{ name: 'y', node: y }] };
}

const chain = (n: number, step: (g: Graph, x: NodeId) => NodeId) => (g: Graph, x: Record<string, NodeId>): NodeId => {
  let v = x.x!;
  for (let i = 0; i < n; i++) v = step(g, v);
  return v;
};

export async function calibrate(rt: Runtime, opts: CalibrateOptions = {}): Promise<CalibrationResult> {
  const t0 = performance.now();
  const q = opts.quick === true;
  const E = q ? 1 << 18 : 1 << 22; // streaming elements
  const A = q ? 1 << 16 : 1 << 20; // arithmetic elements
  const MM = q ? 128 : 256;
  const rounds = q ? 3 : 7;
  const all = new Map<string, Measurement>();
  const TOTAL = 8;
  let done = 0;
  const progress = (label: string): void => opts.onProgress?.({ done: done++, total: TOTAL, label });

  const prepared = new Map<string, { prog: TimedProgram; plan: Plan; reps: number }>();
  const prepare = async (c: Case): Promise<void> => {
    // Bytes, flops and launches are counted for the variant lowered (e.g. row re-reads per phase).
    const { source, launchMs, bytesPerMs, flopsPerMs, matmulFlopsPerMs } = DEFAULT_PROFILE;
    const counting: DeviceProfile = { source, launchMs, bytesPerMs, flopsPerMs, matmulFlopsPerMs, kernels: { ...(c.lower?.row ? { row: c.lower.row } : {}), ...(c.lower?.reduce ? { reduce: c.lower.reduce } : {}) } };
    const plan = planModel(c.model, {}, { strategy: c.strategy ?? 'fuse-all', limits: rt.limits, profile: counting });
    const { executable } = lowerPlan(c.model, plan.shapes, plan.ops, { limits: rt.limits, ...c.lower });
    const prog = await prepareTimed(rt, executable);
    const first = (await prog.time(1)).span; // first touch of the buffers
    // Enough repetitions per submit that each submit takes a few ms.
    const reps = Math.max(1, Math.min(q ? 8 : 20, Math.round(6 / Math.max(first, 0.05))));
    await prog.time(reps);
    prepared.set(c.name, { prog, plan, reps });
  };
  /** Interleaved rounds over the cases (machine drift hits all alike); median ms per run. */
  const measure = async (cases: readonly Case[]): Promise<Map<string, Measurement>> => {
    for (const c of cases) if (!prepared.has(c.name)) await prepare(c);
    const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        const p = prepared.get(c.name)!;
        // GPU time per run from the first pass's start to the last one's end: the gaps between
        // passes belong to the launch cost.
        samples.get(c.name)!.push((await p.prog.time(p.reps)).span);
      }
    }
    const out = new Map<string, Measurement>();
    for (const c of cases) {
      const { plan } = prepared.get(c.name)!;
      const bytes = plan.costs.reduce((s, x) => s + x.bytesRead + x.bytesWritten, 0);
      const flops = plan.costs.reduce((s, x) => s + x.flops, 0);
      const launches = plan.costs.reduce((s, x) => s + x.launches, 0);
      const m: Measurement = { name: c.name, ms: median(samples.get(c.name)!), bytes, flops, launches };
      out.set(c.name, m);
      all.set(c.name, m);
    }
    return out;
  };
  /** Notes the rate a measurement implies (reported with it). */
  const withRate = (m: Measurement, rate: number): number => {
    all.set(m.name, { ...m, rate });
    return rate;
  };
  /**
   * The variant with the lowest score, unless codegen's default scores within 5% of it: on a noisy
   * machine near-ties would otherwise flip from run to run.
   */
  const pick = <T>(choices: readonly T[], score: (x: T) => number, dflt: T): T => {
    const top = choices.reduce((a, b) => (score(b) < score(a) ? b : a));
    return choices.includes(dflt) && score(dflt) <= score(top) * 1.05 ? dflt : top;
  };
  const best = <T>(ms: Map<string, Measurement>, variants: readonly [string, T][], dflt: T): T =>
    pick(variants, (v) => ms.get(v[0])!.ms, variants.find((v) => v[1] === dflt)!)[1];

  try {
    // 1. Dispatch overhead: per-run span of a kernel over 64 elements, many in one submit.
    progress('dispatch overhead');
    const tiny = await measure([{ name: 'launch', model: model('launch', { x: [64] }, (g, x) => g.binary('add', x.x!, g.constant(1))) }]);
    const launchMs = tiny.get('launch')!.ms;
    const busy = (m: Measurement): number => Math.max(1e-6, m.ms - m.launches * launchMs);
    const rateOf = (m: Measurement, what: 'bytes' | 'flops'): number => withRate(m, m[what] / busy(m));

    // 2. The copy floor.
    progress('copyBufferToBuffer');
    const copy = await copyBytesPerMs(rt.device, E * 4, q ? 2 : 4, rounds);

    // 3. Streaming cell kernels: vec4 items per invocation (chosen over two sizes: the best count
    // changes with the size on lavapipe), scalar items per invocation.
    progress('cell kernels (vec4 / scalar variants)');
    const copyModel = model('copy', { x: [E / 1024, 1024] }, (g, x) => g.binary('add', x.x!, g.constant(1)));
    const big = model('fma', { a: [E / 256, 1024], b: [E / 256, 1024] }, (g, x) => g.unary('exp', g.unary('neg', g.binary('add', g.binary('mul', x.a!, x.b!), g.constant(1)))));
    const odd = Math.floor(E / 1023);
    const scalarModel = model('copy-scalar', { x: [odd, 1023] }, (g, x) => g.binary('add', x.x!, g.constant(1)));
    const vecChoices = [2, 4, 8];
    const scalarVariants: [string, number][] = [4, 8, 16].map((n) => [`cell scalar x${n}`, n]);
    const cellMs = await measure([
      ...vecChoices.map((n) => ({ name: `cell vec4 x${n}`, model: copyModel, lower: { cell: { perThread: n } } })),
      ...vecChoices.map((n) => ({ name: `cell vec4 x${n} (4x size, 3 streams)`, model: big, lower: { cell: { perThread: n } } })),
      ...scalarVariants.map(([name, n]) => ({ name, model: scalarModel, lower: { cell: { vectorize: false, perThread: n } } })),
    ]);
    const rel = (n: number): number =>
      ['', ' (4x size, 3 streams)'].reduce((s, suffix) => s + cellMs.get(`cell vec4 x${n}${suffix}`)!.ms / Math.min(...vecChoices.map((x) => cellMs.get(`cell vec4 x${x}${suffix}`)!.ms)), 0);
    const vec4PerThread = pick(vecChoices, rel, DEFAULT_KERNEL_PARAMS.cell.vec4PerThread);
    const scalarPerThread = best(cellMs, scalarVariants, DEFAULT_KERNEL_PARAMS.cell.scalarPerThread);
    for (const m of cellMs.values()) rateOf(m, 'bytes');
    const cellBytes = all.get(`cell vec4 x${vec4PerThread}`)!.rate!;
    const cellKernels = { vec4PerThread, scalarPerThread };

    // 4. Arithmetic: compute-bound chains, one flopsPerMs for the op table's weights.
    progress('arithmetic (mul-add, exp, tanh, sigmoid, log, sqrt, div)');
    const ax = { x: [A / 1024, 1024] };
    const lowerCell = { cell: cellKernels };
    const arith: Case[] = [
      { name: 'arith mul-add x32', model: model('fma', ax, chain(32, (g, v) => g.binary('add', g.binary('mul', v, g.constant(0.999)), g.constant(0.001)))), lower: lowerCell },
      { name: 'arith exp x8', model: model('exp', ax, chain(8, (g, v) => g.unary('exp', g.unary('neg', v)))), lower: lowerCell },
      { name: 'arith tanh x8', model: model('tanh', ax, chain(8, (g, v) => g.unary('tanh', v))), lower: lowerCell },
      { name: 'arith sigmoid x8', model: model('sigmoid', ax, chain(8, (g, v) => g.unary('sigmoid', v))), lower: lowerCell },
      { name: 'arith log x8', model: model('log', ax, chain(8, (g, v) => g.unary('log', g.binary('add', v, g.constant(2))))), lower: lowerCell },
      { name: 'arith sqrt x8', model: model('sqrt', ax, chain(8, (g, v) => g.unary('sqrt', g.binary('add', v, g.constant(1))))), lower: lowerCell },
      { name: 'arith div x8', model: model('div', ax, chain(8, (g, v) => g.binary('div', g.constant(1), g.binary('add', v, g.constant(1))))), lower: lowerCell },
    ];
    const arithMs = await measure(arith);
    for (const m of arithMs.values()) rateOf(m, 'flops');
    // One flopsPerMs for the op table's weights: the value whose predictions
    // launch + max(bytes / cell rate, flops / F) fit these times best in log space (a chain that is
    // still bandwidth-bound then only says F is at least so much).
    const fitError = (F: number): number =>
      [...arithMs.values()].reduce((s, m) => s + Math.log((m.launches * launchMs + Math.max(m.bytes / cellBytes, m.flops / F)) / m.ms) ** 2, 0);
    let flopsPerMs = 1;
    for (let e = 3; e <= 12; e += 0.01) if (fitError(10 ** e) < fitError(flopsPerMs)) flopsPerMs = 10 ** e;

    // 5. Reductions: layout (thread vs workgroup tree), then the streaming rate of the chosen one.
    progress('reductions (thread vs workgroup layout)');
    const R = q ? 256 : 1024;
    const sumAll = model('sum', { x: [E / 1024, 1024] }, (g, x) => g.reduce('sum', x.x!, 'all'));
    const sumRows = model('rowsum', { x: [R, R] }, (g, x) => g.reduce('sum', g.binary('mul', x.x!, x.x!), [1]));
    const layouts: ['thread' | 'group', Case[]][] = (['thread', 'group'] as const).map((layout) => [
      layout,
      [
        { name: `reduce all ${layout}`, model: sumAll, lower: { reduce: { layout } } },
        { name: `reduce rows ${layout}`, model: sumRows, lower: { reduce: { layout } } },
      ],
    ]);
    const redMs = await measure(layouts.flatMap(([, cs]) => cs));
    for (const m of redMs.values()) rateOf(m, 'bytes');
    const total = (l: string): number => redMs.get(`reduce all ${l}`)!.ms + redMs.get(`reduce rows ${l}`)!.ms;
    const layout = pick(['thread', 'group'] as const, total, DEFAULT_KERNEL_PARAMS.reduce.layout);
    const reduceBytes = all.get(`reduce all ${layout}`)!.rate!;

    // 6. Row programs: lanes per row (on many short rows, few rows and mid-sized ones: barriers
    // between phases cost a lot on some devices), the private cache, then the streaming rate.
    progress('row programs (lanes per row, cache)');
    const rowModel = (rows: number, cols: number): ModelIR =>
      model('row', { x: [rows, cols] }, (g, x) => g.binary('sub', x.x!, g.reduce('max', x.x!, [1], true)));
    const rowShapes: [number, number][] = [[E / 256, 256], [q ? 256 : 1024, 16], [64, 64]];
    const laneChoices = [1, 2048, E / 16];
    const rowCases = rowShapes.flatMap(([rr, cc]) => laneChoices.map((n) => ({ name: `row ${rr}x${cc} minLanes ${n}`, model: rowModel(rr, cc), lower: { row: { minLanes: n } } })));
    const rowMs = await measure(rowCases);
    // Sum over the shapes of each variant's time relative to the shape's best.
    const score = (n: number): number =>
      rowShapes.reduce((s, [rr, cc]) => s + rowMs.get(`row ${rr}x${cc} minLanes ${n}`)!.ms / Math.min(...laneChoices.map((x) => rowMs.get(`row ${rr}x${cc} minLanes ${x}`)!.ms)), 0);
    const minLanes = pick(laneChoices, score, DEFAULT_KERNEL_PARAMS.row.minLanes);
    const narrow = rowModel(E / 16, 16);
    const cacheVariants: [string, number][] = [0, 16].map((n) => [`row cache ${n}`, n]);
    const cacheMs = await measure(cacheVariants.map(([name, n]) => ({ name, model: narrow, lower: { row: { minLanes, cacheMax: n } } })));
    const cacheMax = best(cacheMs, cacheVariants, DEFAULT_KERNEL_PARAMS.row.cacheMax);
    for (const m of [...rowMs.values(), ...cacheMs.values()]) rateOf(m, 'bytes');
    const rowBytes = all.get(`row ${E / 256}x256 minLanes ${minLanes}`)!.rate!;
    // Arithmetic in a row program (a lane per row works through scalars): exp chains, recomputed
    // in each phase, compute-bound.
    const rowArith = model('row-exp', { x: [E / 1024, 64] }, (g, x) => {
      const z = chain(8, (gg, v) => gg.unary('exp', gg.unary('neg', v)))(g, x);
      return g.binary('sub', z, g.reduce('max', z, [1], true));
    });
    const rowFlopsMs = await measure([{ name: 'row arith exp x8', model: rowArith, lower: { row: { minLanes, cacheMax } } }]);
    const rowFlops = rateOf(rowFlopsMs.get('row arith exp x8')!, 'flops');

    // 7. Unfused scalar kernels (strategy none).
    progress('unfused kernels');
    const single = await measure([
      { name: 'single add', model: copyModel, strategy: 'none' },
      { name: 'single matmul', model: model('mm', { a: [MM, MM], b: [MM, MM] }, (g, x) => g.matmul(x.a!, x.b!)), strategy: 'none' },
    ]);
    const singleBytes = rateOf(single.get('single add')!, 'bytes');
    const singleMm = rateOf(single.get('single matmul')!, 'flops');

    // 8. Matmul: tiled, skinny (many rows, few rows), transposed operands.
    progress('matmul (tiled, skinny, transposed operands)');
    const SK = q ? 4096 : 16384;
    const KP = q ? 256 : 1024;
    const KS = q ? 128 : 256;
    const mm = await measure([
      { name: 'matmul tiled', model: model('mm', { a: [MM, MM], b: [MM, MM] }, (g, x) => g.matmul(x.a!, x.b!)) },
      { name: 'matmul tiled A^T', model: model('mmt', { a: [MM, MM], b: [MM, MM] }, (g, x) => g.matmul(g.transpose(x.a!), x.b!)) },
      { name: 'matmul skinny', model: model('gemv', { a: [SK, KS], b: [KS, 1] }, (g, x) => g.matmul(x.a!, x.b!)) },
      { name: 'matmul skinny few rows', model: model('gemv-few', { a: [32, SK], b: [SK, 1] }, (g, x) => g.matmul(x.a!, x.b!)) },
      { name: 'matmul skinny few rows A^T', model: model('gemv-few-t', { a: [SK, 32], b: [SK, 1] }, (g, x) => g.matmul(g.transpose(x.a!), x.b!)) },
      // One workgroup; A's prologue reads the operand only, or four more tensors per element.
      { name: 'matmul one tile', model: model('mm1', { a: [64, KP], b: [KP, 64] }, (g, x) => g.matmul(x.a!, x.b!)) },
      { name: 'matmul prologue tanh(tanh(tanh(a)))', model: model('pro3', { a: [64, KP], b: [KP, 64] }, (g, x) => g.matmul(g.unary('tanh', g.unary('tanh', g.unary('tanh', x.a!))), x.b!)) },
      { name: 'matmul prologue exp(a)', model: model('pro1', { a: [64, KP], b: [KP, 64] }, (g, x) => g.matmul(g.unary('exp', x.a!), x.b!)) },
      { name: 'matmul prologue exp(a+r+s+t+u)', model: model('pro5', { a: [64, KP], b: [KP, 64], r: [64, KP], s: [64, KP], t: [64, KP], u: [64, KP] }, (g, x) => g.matmul(g.unary('exp', [x.r!, x.s!, x.t!, x.u!].reduce((v, w) => g.binary('add', v, w), x.a!)), x.b!)) },
    ]);
    // The tiled rate over two shapes: 16 tiles of K = 256, and one tile down a long K.
    const one = mm.get('matmul one tile')!;
    rateOf(one, 'flops');
    const tiled = (rateOf(mm.get('matmul tiled')!, 'flops') * busy(mm.get('matmul tiled')!) + one.flops) / (busy(mm.get('matmul tiled')!) + busy(one));
    const skinny = rateOf(mm.get('matmul skinny')!, 'flops');
    const few = mm.get('matmul skinny few rows')!;
    // Rows the skinny kernel needs to run at its full rate: the few-rows case costs as many.
    const skinnyMinRows = Math.max(1, Math.round((busy(few) * skinny) / (2 * SK)));
    const pro1 = mm.get('matmul prologue exp(a)')!;
    const pro5 = mm.get('matmul prologue exp(a+r+s+t+u)')!;
    // Extra (leaf, evaluation) pairs: 64 x KP A elements, four more leaves each (3 more adds: noise).
    const prologueLoadMs = Math.max(0, pro5.ms - pro1.ms) / (4 * 64 * KP);
    // Prologue arithmetic runs in the tile loads, between barriers: its rate as a share of flopsPerMs.
    const pro3 = mm.get('matmul prologue tanh(tanh(tanh(a)))')!;
    const prologueFlops = (pro3.flops - one.flops) / Math.max(1e-6, pro3.ms - one.ms);
    // Reported only: the slowdown of reading the A operand transposed inside the kernel.
    const transposedA = { tiled: busy(mm.get('matmul tiled A^T')!) / busy(mm.get('matmul tiled')!), skinny: busy(mm.get('matmul skinny few rows A^T')!) / busy(few) };
    const bytesPerMs = Math.max(cellBytes, reduceBytes, rowBytes, singleBytes);
    const matmulFlopsPerMs = Math.max(tiled, skinny, singleMm);
    // Shares stay in [0.001, 1]: a rate rounded to 0 under heavy load would make the stored profile
    // invalid (the store rejects non-positive rates) and planning would silently fall back.
    const share = (x: number, of: number): number => Math.min(1, Math.max(0.001, Math.round((x / of) * 1000) / 1000));
    const kernels: KernelParams = { cell: cellKernels, reduce: { layout }, row: { minLanes, cacheMax } };
    const a = rt.adapterInfo;
    const profile: DeviceProfile = {
      source: `calibrated on ${[a.vendor, a.architecture, a.device].filter(Boolean).join(' / ')}${q ? ' (quick)' : ''}`,
      launchMs,
      bytesPerMs,
      flopsPerMs,
      matmulFlopsPerMs,
      bandwidth: { cell: share(cellBytes, bytesPerMs), reduce: share(reduceBytes, bytesPerMs), row: share(rowBytes, bytesPerMs), single: share(singleBytes, bytesPerMs) },
      arithmetic: { row: Math.min(1, share(rowFlops, flopsPerMs)), prologue: Math.min(1, Math.max(0.001, share(prologueFlops, flopsPerMs))) },
      matmul: { tiled: share(tiled, matmulFlopsPerMs), skinny: share(skinny, matmulFlopsPerMs), single: share(singleMm, matmulFlopsPerMs), skinnyMinRows, prologueLoadMs },
      kernels,
    };
    opts.onProgress?.({ done: TOTAL, total: TOTAL, label: 'done' });
    return { profile, adapter: a, ms: performance.now() - t0, copyBytesPerMs: copy, transposedA, measurements: [...all.values()] };
  } finally {
    for (const p of prepared.values()) p.prog.destroy();
  }
}
