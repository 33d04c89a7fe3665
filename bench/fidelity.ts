/**
 * Cost-model fidelity: does the cost model rank plans as the device does?
 *
 * For each example model (examples/*.ts with a default-exported model and `export const dims`;
 * demo.ts and files without a model are skipped), the alternative plans the planner chooses among
 * -- every assignment of its interesting points (cut / fuse), or a seeded sample when there are too
 * many -- are built exactly as the planner builds its own (`planModel(..., { cuts })`: construction,
 * limit splits, multi-aggregate merging), deduplicated by their operators, lowered with the
 * profile's kernel parameters and run on the device. Measured time of a plan = GPU time of one
 * run from its first kernel's start to its last kernel's end (timestamp queries, one pass per
 * kernel as the runtime encodes them, so the gaps between kernels count, as the cost model's
 * launchMs does), on persistent buffers as calibration times kernels (src/calibrate/gpu-timer.ts):
 * the median over interleaved rounds (every round runs every plan REPS times in one submit, so
 * machine drift hits all plans alike). The runtime's run(..., { profile: true }) gives the same
 * kernel times but allocates and uploads per run, which made repeated measurements of these small
 * models agree less (test-retest rank correlation 0.54 vs 0.71 on kmeans).
 *
 * Reported per model: `spearman`, the rank correlation between estimated and measured times, and
 * `chosenOverBest` = measured(plan the planner chooses) / measured(fastest plan).
 *
 *   npx tsx bench/fidelity.ts [--profile cached|default|<file>] [--rounds 11] [--max-plans 28]
 *                             [--only kmeans,mlp] [--scale 8] [--json out.json]
 *
 * bench/run.ts calls `collect()` (the cached profile for the adapter, else the default).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lowerPlan } from '../src/codegen/lower.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../src/cost/profile.js';
import { profileFor, readProfileFile } from '../src/calibrate/profile-store.js';
import { seededRandom } from '../src/api/random-inputs.js';
import { prepareTimed } from '../src/calibrate/gpu-timer.js';
import type { Dims, ModelIR } from '../src/ir/model.js';
import { makeContext } from '../src/planner/context.js';
import { explore } from '../src/planner/memo.js';
import { findPartitions } from '../src/planner/partition.js';
import type { Plan } from '../src/plan/plan.js';
import { planModel } from '../src/planner/planner.js';
import { createRuntime, type Runtime } from '../src/runtime/index.js';

export interface FidelityPlan {
  /** The interesting points cut (edge keys); null for the planner's own choice when sampled apart. */
  readonly cuts: readonly string[];
  readonly kernels: number;
  readonly estimatedMs: number;
  readonly measuredMs: number;
  readonly chosen: boolean;
}

export interface FidelityResult {
  readonly model: string;
  readonly dims: Dims;
  readonly interestingPoints: number;
  /** Distinct plans measured. */
  readonly plans: number;
  /** Whether every assignment of the interesting points was built (else a sample). */
  readonly exhaustive: boolean;
  /** Spearman rank correlation of estimated vs measured ms (null with fewer than 3 plans). */
  readonly spearman: number | null;
  /** measured(chosen) / measured(fastest). */
  readonly chosenOverBest: number;
  readonly profile: string;
  readonly samples: readonly FidelityPlan[];
}

export interface FidelityOptions {
  readonly runtime?: Runtime;
  readonly profile?: DeviceProfile;
  readonly rounds?: number;
  readonly maxPlans?: number;
  readonly only?: readonly string[];
  /** Multiply every dim of the examples' `dims` (default 1): bigger kernels, smaller noise. */
  readonly scale?: number;
  readonly log?: (line: string) => void;
}

interface Example {
  readonly name: string;
  readonly ir: ModelIR;
  readonly dims: Dims;
}

export async function loadExampleModels(only?: readonly string[]): Promise<Example[]> {
  const dir = fileURLToPath(new URL('../examples/', import.meta.url));
  const out: Example[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'demo.ts').sort()) {
    const name = f.replace(/\.ts$/, '');
    if (only !== undefined && !only.some((o) => name.startsWith(o))) continue;
    const mod = (await import(pathToFileURL(dir + f).href)) as { default?: unknown; dims?: Dims };
    const m = mod.default as { ir?: ModelIR } | ModelIR | undefined;
    if (m === undefined || typeof m !== 'object' || m === null || mod.dims === undefined) continue;
    const ir = 'ir' in m && m.ir !== undefined ? m.ir : 'graph' in m ? (m as ModelIR) : undefined;
    if (ir !== undefined) out.push({ name: `examples/${name}`, ir, dims: mod.dims });
  }
  return out;
}

/** Spearman's rho with average ranks for ties (Pearson correlation of the ranks). */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length < 3) return null;
  const ranks = (v: readonly number[]): number[] => {
    const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
      for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const a = ranks(xs);
  const b = ranks(ys);
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? null : num / Math.sqrt(da * db);
}

/** Runs of a plan per submit (each kernel its own pass, timestamped). */
const REPS = 3;
const signature = (p: Plan): string => p.ops.map((o) => `${o.template}:${o.members.join(',')}>${o.outputs.join(',')}`).sort().join('|');
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The distinct plans of every assignment of the points, or of a seeded sample of them. */
export function alternativePlans(ex: Example, profile: DeviceProfile, limits: Runtime['limits'], maxPlans: number): { plans: Map<string, { plan: Plan; cuts: string[] }>; points: string[]; exhaustive: boolean } {
  const ctx = makeContext(ex.ir, ex.dims, limits, profile, ex.ir.graph.pins);
  const points = findPartitions(ctx, explore(ctx)).flatMap((p) => p.points.map((q) => q.key));
  const plans = new Map<string, { plan: Plan; cuts: string[] }>();
  const add = (cuts: string[]): void => {
    const plan = planModel(ex.ir, ex.dims, { strategy: 'cost', limits, profile, cuts });
    const sig = signature(plan);
    if (!plans.has(sig)) plans.set(sig, { plan, cuts });
  };
  const k = points.length;
  const exhaustive = 2 ** k <= 512;
  if (exhaustive) {
    for (let i = 0; i < 2 ** k; i++) add(points.filter((_, j) => (i >> j) & 1));
  } else {
    const rand = seededRandom(7);
    add([]);
    add(points);
    // Random assignments with a varying cut probability, so both mostly-fused and mostly-cut plans appear.
    for (let tries = 0; tries < 40 * maxPlans && plans.size < maxPlans; tries++) {
      const pCut = rand();
      add(points.filter(() => rand() < pCut));
    }
  }
  if (plans.size > maxPlans && exhaustive) {
    // Keep a seeded sample of the distinct plans (the chosen one is added separately).
    const rand = seededRandom(11);
    const keys = [...plans.keys()].sort(() => rand() - 0.5).slice(0, maxPlans);
    for (const key of [...plans.keys()]) if (!keys.includes(key)) plans.delete(key);
    return { plans, points, exhaustive: false };
  }
  return { plans, points, exhaustive };
}

export async function fidelity(opts: FidelityOptions = {}): Promise<FidelityResult[]> {
  const rt = opts.runtime ?? (await createRuntime({ pipelineCacheSize: 4096 }));
  const log = opts.log ?? ((s: string) => void process.stderr.write(s + '\n'));
  const profile = opts.profile ?? profileFor(rt);
  const rounds = opts.rounds ?? 11;
  const maxPlans = opts.maxPlans ?? 28;
  const out: FidelityResult[] = [];
  try {
    for (const loaded of await loadExampleModels(opts.only)) {
      const ex = { ...loaded, dims: Object.fromEntries(Object.entries(loaded.dims).map(([k, v]) => [k, v * (opts.scale ?? 1)])) };
      const { plans, points, exhaustive } = alternativePlans(ex, profile, rt.limits, maxPlans);
      const chosen = planModel(ex.ir, ex.dims, { strategy: 'cost', limits: rt.limits, profile });
      const chosenSig = signature(chosen);
      if (!plans.has(chosenSig)) plans.set(chosenSig, { plan: chosen, cuts: [] });
      const entries = await Promise.all(
        [...plans.entries()].map(async ([sig, { plan, cuts }]) => {
          const { executable } = lowerPlan(ex.ir, plan.shapes, plan.ops, { limits: rt.limits, ...profile.kernels });
          return { sig, plan, cuts, kernels: executable.kernels.length, timed: await prepareTimed(rt, executable), ms: [] as number[] };
        }),
      );
      try {
        for (const e of entries) await e.timed.time(2); // first touch
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < entries.length; i++) {
            const e = entries[(i + r) % entries.length]!;
            e.ms.push((await e.timed.time(REPS)).span);
          }
        }
      } finally {
        for (const e of entries) e.timed.destroy();
      }
      const samples: FidelityPlan[] = entries.map((e) => ({
        cuts: e.cuts,
        kernels: e.kernels,
        estimatedMs: e.plan.estimatedMs,
        measuredMs: median(e.ms),
        chosen: e.sig === chosenSig,
      }));
      const best = Math.min(...samples.map((s) => s.measuredMs));
      const chosenMs = samples.find((s) => s.chosen)!.measuredMs;
      const result: FidelityResult = {
        model: ex.name,
        dims: ex.dims,
        interestingPoints: points.length,
        plans: samples.length,
        exhaustive,
        spearman: spearman(samples.map((s) => s.estimatedMs), samples.map((s) => s.measuredMs)),
        chosenOverBest: chosenMs / best,
        profile: profile.source,
        samples,
      };
      log(`${ex.name}: ${samples.length} plans (${points.length} points${exhaustive ? '' : ', sampled'}), spearman ${result.spearman?.toFixed(3) ?? '-'}, chosen/best ${result.chosenOverBest.toFixed(3)}`);
      out.push(result);
    }
  } finally {
    if (opts.runtime === undefined) rt.destroy();
  }
  return out;
}

/** For bench/run.ts: fidelity with the profile planning would use on this adapter. */
export async function collect(): Promise<unknown[]> {
  return fidelity();
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const which = arg('--profile') ?? 'cached';
  const rt = await createRuntime({ pipelineCacheSize: 4096 });
  const profile = which === 'cached' ? profileFor(rt) : which === 'default' ? DEFAULT_PROFILE : readProfileFile(which);
  const only = arg('--only')?.split(',').filter(Boolean);
  const rounds = arg('--rounds') !== undefined ? Number(arg('--rounds')) : undefined;
  const maxPlans = arg('--max-plans') !== undefined ? Number(arg('--max-plans')) : undefined;
  const scale = arg('--scale') !== undefined ? Number(arg('--scale')) : undefined;
  process.stderr.write(`profile: ${profile.source}\n`);
  const results = await fidelity({ runtime: rt, profile, ...(only ? { only } : {}), ...(rounds ? { rounds } : {}), ...(maxPlans ? { maxPlans } : {}), ...(scale ? { scale } : {}) });
  rt.destroy();
  console.log('| model | points | plans | spearman | chosen / best |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.model} | ${r.interestingPoints} | ${r.plans}${r.exhaustive ? '' : ' (sample)'} | ${r.spearman?.toFixed(3) ?? '-'} | ${r.chosenOverBest.toFixed(3)} |`);
  const json = arg('--json');
  if (json !== undefined) writeFileSync(json, JSON.stringify({ profile, date: new Date().toISOString(), adapter: rt.adapterInfo, results }, null, 2) + '\n');
  process.exit(0);
}
