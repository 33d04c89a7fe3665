/**
 * One workload of the suite: every fuseplan strategy and tfjs on the same inputs, outputs checked
 * against the float64 reference, then timed round-robin, then profiled runs (also round-robin) for
 * the per-kernel breakdown. Also the example models (fuseplan strategies only).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareToReference, evaluate, randomInputs, toIR, type CompiledModel, type Dims, type ModelLike, type Runtime } from '../src/index.js';
import type { Strategy } from '../src/api/compile.js';
import { countDispatches, ioContender, pollsPerMs, floorBytes, fuseplanContender, median, memoryBound, profileOps, quantile, tfjsContender, timeRoundRobin, type Contender, type Outputs } from './harness.js';
import { computePassPrototype, type TfjsSetup } from './tfjs.js';
import type { TfProgram } from './workloads.js';

export interface Result {
  readonly workload: string;
  readonly strategy: string;
  readonly kernels: number;
  readonly msMedian: number;
  readonly msP25: number;
  readonly msP75: number;
  /** Bytes the plan's operators read + write (cost model); null for tfjs. */
  readonly bytesMoved: number | null;
  /** Live inputs read once + outputs written once, over the measured copy bandwidth. */
  readonly floorMs: number;
  /** Largest error over its per-element f32 bound (src/reference/compare.ts): <= 1 is correct. */
  readonly errorVsBound: number;
  readonly ok: boolean;
  /** Main JS thread CPU time / wall time over the timed runs, in percent (spinning would be ~100). */
  readonly cpuPct: number;
  /** Memory-bound operators' bytes / their GPU time, as a fraction of copy bandwidth (fuseplan only). */
  readonly bwFraction: number | null;
  /** GPU ms summed over kernels in one profiled run (median of a few); tfjs: tf.time's kernelMs. */
  readonly gpuMs: number | null;
  /** Dawn polls per ms during one run: ~1 or less when waits go through setTimeout, far more when spinning. */
  readonly pollsPerMs: number;
  /** Median of the same uploads and read backs with no kernel (see ioContender): the I/O floor. */
  readonly ioMs: number;
  /** An earlier strategy that compiled to the very same kernels (so any time difference is noise). */
  readonly samePlanAs?: string;
  readonly profile?: readonly { readonly label: string; readonly ms: number }[];
  /** Per plan operator: the cost model's estimate next to the profiled GPU time (fuseplan only). */
  readonly ops?: readonly { readonly op: number; readonly template: string; readonly estimatedMs: number; readonly gpuMs: number; readonly bytes: number }[];
}

/** Identity of an executable's work: every kernel's WGSL, dispatch and bindings. */
const planKey = (c: Contender): string | null =>
  c.compiled === undefined ? null : JSON.stringify(c.compiled.executable.kernels.map((k) => [k.wgsl, k.dispatch, k.buffers, Array.from(k.uniforms ?? [])]));

export interface SuiteOptions {
  readonly runs: number;
  readonly warmup: number;
  readonly strategies: readonly Strategy[];
  readonly tfjs: TfjsSetup | null;
  /** Copy bandwidth, bytes (read + written) per ms. */
  readonly copyBytesPerMs: number;
  readonly profileRuns: number;
  readonly log: (line: string) => void;
}

export interface BenchCase {
  readonly name: string;
  readonly model: ModelLike;
  readonly dims: Dims;
  readonly tfjs?: TfProgram;
}

export function maxErr(got: Outputs, ref: ReturnType<typeof evaluate>): { err: number; ok: boolean } {
  let err = 0;
  let ok = true;
  for (const [name, want] of Object.entries(ref)) {
    const g = got[name];
    const c = g === undefined ? { worst: Infinity, ok: false } : compareToReference(g, want);
    err = Math.max(err, c.worst);
    ok &&= c.ok;
  }
  return { err, ok };
}

type Profile = { kernelMs: { label: string; ms: number }[]; opMs: number[] };

/**
 * GPU time per kernel: `runs` rounds, each profiling every contender once in turn (fuseplan:
 * timestamp queries of one run(); tfjs: tf.time's kernelMs), then the median per kernel / op.
 */
async function profileAll(rt: Runtime, contenders: readonly Contender[], feeds: Readonly<Record<string, Float32Array>>, runs: number): Promise<{ fp: (Profile | null)[]; tf: (number | null)[] }> {
  const fp: Profile[][] = contenders.map(() => []);
  const tf: number[][] = contenders.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of contenders.entries()) {
      if (c.compiled !== undefined) {
        const p = await profileOps(rt, c.compiled, feeds);
        if (p !== null) fp[i]!.push(p);
      } else if (c.gpuMs !== undefined) {
        const ms = await c.gpuMs();
        if (ms !== null) tf[i]!.push(ms);
      }
    }
  }
  return {
    fp: fp.map((all) =>
      all.length === 0
        ? null
        : {
            kernelMs: all[0]!.kernelMs.map((k, j) => ({ label: k.label, ms: median(all.map((p) => p.kernelMs[j]!.ms)) })),
            opMs: all[0]!.opMs.map((_, j) => median(all.map((p) => p.opMs[j]!))),
          },
    ),
    tf: tf.map((xs) => (xs.length === 0 ? null : median(xs))),
  };
}

function opTable(c: CompiledModel, opMs: readonly number[]) {
  return c.plan.ops.map((op, i) => {
    const k = c.plan.costs[i]!;
    return { op: op.id, template: op.template, estimatedMs: k.ms, gpuMs: opMs[i]!, bytes: k.bytesRead + k.bytesWritten };
  });
}

function bandwidthFraction(c: Contender, opMs: readonly number[], copyBytesPerMs: number): number | null {
  const compiled = c.compiled!;
  let bytes = 0;
  let ms = 0;
  compiled.plan.ops.forEach((_, i) => {
    if (!memoryBound(compiled, i)) return;
    bytes += compiled.plan.costs[i]!.bytesRead + compiled.plan.costs[i]!.bytesWritten;
    ms += opMs[i]!;
  });
  return ms > 0 ? bytes / ms / copyBytesPerMs : null;
}

export async function benchCase(rt: Runtime, w: BenchCase, o: SuiteOptions): Promise<Result[]> {
  const ir = toIR(w.model);
  const feeds = randomInputs(ir, w.dims, 20240607);
  const ref = evaluate(ir, w.dims, feeds);
  const contenders: Contender[] = o.strategies.map((s) => fuseplanContender(rt, w.model, w.dims, s, feeds));
  const first = contenders[0]!.compiled!;
  const floorMs = floorBytes(first) / o.copyBytesPerMs;
  if (o.tfjs !== null && w.tfjs !== undefined) {
    const shapes = Object.fromEntries(ir.inputs.map((i) => [i.name, first.shapes[i.node]!]));
    const probe = tfjsContender(o.tfjs, w.tfjs, shapes, feeds, 0);
    await probe.run(); // compiles tfjs's pipelines, so the count below is of a warm run
    const { dispatches } = await countDispatches(computePassPrototype, () => probe.run());
    contenders.push(tfjsContender(o.tfjs, w.tfjs, shapes, feeds, dispatches));
  }
  // Correctness first, on a run outside the timed region (it also warms every contender up).
  const checks = [];
  for (const c of contenders) checks.push(maxErr(await c.run(), ref));
  const io = ioContender(rt.device, first, feeds);
  const samplesAll = await timeRoundRobin([...contenders, io], { warmup: o.warmup, runs: o.runs });
  const samples = samplesAll.slice(0, contenders.length);
  const ioMs = median(samplesAll[contenders.length]!.ms);
  const polls: number[] = [];
  for (const c of contenders) polls.push(await pollsPerMs(() => c.run()));
  const profiles = await profileAll(rt, contenders, feeds, o.profileRuns);
  const out: Result[] = [];
  const keys = contenders.map(planKey);
  for (const [i, c] of contenders.entries()) {
    const same = keys[i] === null ? -1 : keys.findIndex((k, j) => j < i && k === keys[i]);
    const s = samples[i]!;
    const p = profiles.fp[i]!;
    const tfGpu = profiles.tf[i]!;
    out.push({
      workload: w.name,
      strategy: c.strategy,
      kernels: c.kernels,
      msMedian: median(s.ms),
      msP25: quantile(s.ms, 0.25),
      msP75: quantile(s.ms, 0.75),
      bytesMoved: c.bytesMoved,
      floorMs,
      ioMs,
      errorVsBound: checks[i]!.err,
      ok: checks[i]!.ok,
      cpuPct: (100 * s.cpuMs) / s.wallMs,
      bwFraction: p === null ? null : bandwidthFraction(c, p.opMs, o.copyBytesPerMs),
      gpuMs: p === null ? tfGpu : p.kernelMs.reduce((a, k) => a + k.ms, 0),
      pollsPerMs: polls[i]!,
      ...(same >= 0 ? { samePlanAs: contenders[same]!.strategy } : {}),
      ...(p !== null ? { profile: p.kernelMs } : {}),
      ...(p !== null && c.compiled !== undefined ? { ops: opTable(c.compiled, p.opMs) } : {}),
    });
  }
  o.log(`  ${w.name}: ${out.map((r) => `${r.strategy} ${r.msMedian.toFixed(1)} ms`).join(', ')}`);
  return out;
}

/** The example models (examples/*.ts with a default model export and `dims`), demo excluded. */
export async function loadExamples(): Promise<BenchCase[]> {
  const dir = fileURLToPath(new URL('../examples/', import.meta.url));
  const out: BenchCase[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'demo.ts').sort()) {
    const mod = (await import(pathToFileURL(dir + f).href)) as { default?: ModelLike; dims?: Dims };
    if (mod.default === undefined || typeof mod.default !== 'object') continue;
    out.push({ name: `examples/${f.replace(/\.ts$/, '')}`, model: mod.default, dims: mod.dims ?? {} });
  }
  return out;
}
