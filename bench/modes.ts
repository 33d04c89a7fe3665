/**
 * `npm run bench -- modes`: the bench workloads timed the way users of the peers time them (issue
 * #12), in one process on one adapter: fuseplan's cost plan and its `none` baseline, TensorFlow.js's
 * WebGPU backend and onnxruntime-web's WebGPU execution provider (when installed), in modes
 *   (a) resident inputs + kernels + completion, (b) + readback, (c) end to end (upload too).
 * Every contender's outputs are checked against the float64 reference in every mode first. Then
 * all (contender, mode) pairs of a workload run once per round, in a seeded random order per round
 * (bench/harness.ts timeShuffled), after warm-up, and the median is reported. Last, per kernel of the cost plan: bytes it must move over the copy
 * bandwidth, against its timestamp-query GPU time (bench/floor.ts).
 *
 *   npm run bench -- modes [--runs 9] [--warmup 2] [--only softmax,mlp] [--modes a,b,c]
 *                          [--quick] [--no-tfjs] [--no-ort] [--floor-runs 15] [--md f] [--json f]
 *
 * onnxruntime-web is optional (`npm install --no-save onnxruntime-web`); without it the tables
 * have no ORT column and say so.
 */
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { createRuntime, evaluate, randomInputs, toIR, compile } from '../src/index.js';
import { copyBandwidth, median, quantile, timeShuffled, type Contender } from './harness.js';
import { kernelFloors, profileKernels, type KernelFloor } from './floor.js';
import { fuseplanModes, MODES, ortModes, tfjsModes, type Mode, type ModeContender, type WorkloadInputs } from './mode-contenders.js';
import { floorTable, modeTable, Report, targets, type ModeRow, type ModeSummary } from './modes-report.js';
import { hasOnnxGraph } from './ort-workloads.js';
import { setupOrt, type Ort } from './ort.js';
import { maxErr } from './suite.js';
import { adapterName, setupTfjs, teardownTfjs, type TfjsSetup } from './tfjs.js';
import { WORKLOADS } from './workloads.js';

interface Opts { runs?: number; warmup?: number; only?: string; modes: string; quick?: boolean; tfjs: boolean; ort: boolean; floorRuns: number; md?: string; json?: string }

const log = (line: string): void => void process.stderr.write(line + '\n');

export async function main(argv: readonly string[]): Promise<number> {
  const opts = new Command('bench modes')
    .option('--runs <n>', 'timed rounds (median reported)', (v) => Number(v))
    .option('--warmup <n>', 'untimed runs per contender and mode first', (v) => Number(v))
    .option('--only <names>', 'comma-separated workload names (prefix match)')
    .option('--modes <list>', 'timing modes to run, of a,b,c', 'a,b,c')
    .option('--quick', 'small sizes and few runs: a smoke test')
    .option('--no-tfjs', 'skip TensorFlow.js')
    .option('--no-ort', 'skip onnxruntime-web')
    .option('--floor-runs <n>', 'profiled runs per cost plan for the floor report (0: none)', (v) => Number(v), 15)
    .option('--md <file>', 'write the tables as Markdown')
    .option('--json <file>', 'write the results as JSON')
    .parse([...argv], { from: 'user' })
    .opts<Opts>();
  const quick = opts.quick === true;
  const runs = opts.runs ?? (quick ? 3 : 9);
  const warmup = opts.warmup ?? (quick ? 1 : 2);
  const modes = opts.modes.split(',').filter(Boolean) as Mode[];
  for (const m of modes) if (!MODES.includes(m)) throw new Error(`unknown mode '${m}' (a, b or c)`);
  const only = opts.only?.split(',').filter(Boolean);
  const load0 = os.loadavg()[0]!;

  // The runtime first: its 'timer' wait wraps setImmediate process-wide, and tfjs's and ORT's Dawn
  // promises (same binding) are polled through that wrapper too, so nobody spins.
  const rt = await createRuntime({ wait: 'timer' });
  let tfjs: TfjsSetup | null = null;
  let ort: Ort | null = null;
  const rep = new Report();
  let failed = 0;
  try {
    const device = `${adapterName(rt.adapterInfo)} (Dawn 'webgpu' package, wait=${rt.wait})`;
    if (opts.tfjs) tfjs = await setupTfjs(rt, { device: 'shared' });
    let ortNote = 'onnxruntime-web skipped (--no-ort)';
    if (opts.ort) {
      try {
        ort = await setupOrt();
        ortNote = `onnxruntime-web ${ort.env.versions?.['web'] ?? ort.env.versions?.['common'] ?? '?'} (WebGPU EP, its own device on the same adapter)`;
      } catch (e) {
        ortNote = `onnxruntime-web NOT measured: ${(e as Error).message}`;
      }
    }
    log(`device: ${device}\n${tfjs === null ? 'tfjs skipped' : `tfjs ${tfjs.version} on fuseplan's device`}; ${ortNote}`);

    const rows: Record<Mode, ModeRow[]> = { a: [], b: [], c: [] };
    const spread: Record<string, Record<string, [number, number]>> = {};
    const floors: KernelFloor[] = [];
    const bandwidths: number[] = [];
    const names = new Set<string>();
    for (const wl of WORKLOADS.filter((x) => only === undefined || only.some((o) => x.name.startsWith(o)))) {
      const ir = toIR(wl.model);
      const dims = quick ? wl.quickDims : wl.dims;
      const probe = compile(ir, { dims, runtime: rt });
      const shapes = Object.fromEntries([...ir.inputs, ...ir.outputs].map((n) => [n.name, [...probe.shapes[n.node]!]]));
      const feeds = randomInputs(ir, dims, 20240607);
      const w: WorkloadInputs = { ir, dims, feeds, shapes };
      const ref = evaluate(ir, dims, feeds);

      const cost = await fuseplanModes(rt, w, 'cost');
      const cs: ModeContender[] = [cost, await fuseplanModes(rt, w, 'none')];
      if (tfjs !== null) cs.push(tfjsModes(tfjs, wl.tfjs, w));
      if (ort !== null && hasOnnxGraph(wl.name)) cs.push(await ortModes(ort, wl.name, w));
      cs.forEach((c) => names.add(c.name));
      try {
        // Correctness of every contender in every mode, untimed (also the first warm-up).
        const checks = new Map<string, { err: number; ok: boolean }>();
        for (const c of cs) for (const m of modes) checks.set(`${c.name}|${m}`, maxErr(m === 'a' ? await c.checkResident() : await c.run(m), ref));
        const pairs: Contender[] = cs.flatMap((c) => modes.map((m) => ({ strategy: `${c.name}|${m}`, kernels: 0, bytesMoved: null, run: () => c.run(m) })));
        const samples = await timeShuffled(pairs, { warmup, runs, seed: 20261202 });
        spread[wl.name] = {};
        for (const m of modes) {
          const ms: Record<string, number> = {};
          const err: Record<string, number> = {};
          const ok: Record<string, boolean> = {};
          cs.forEach((c) => {
            const s = samples[pairs.findIndex((p) => p.strategy === `${c.name}|${m}`)]!.ms;
            ms[c.name] = median(s);
            spread[wl.name]![`${c.name}|${m}`] = [quantile(s, 0.25), quantile(s, 0.75)];
            err[c.name] = checks.get(`${c.name}|${m}`)!.err;
            ok[c.name] = checks.get(`${c.name}|${m}`)!.ok;
          });
          rows[m].push({ workload: wl.name, ms, err, ok });
          failed += Object.values(ok).filter((x) => !x).length;
        }
        if (opts.floorRuns > 0) {
          // Bandwidth right around the profiled runs, the higher of the two: load drifts, and the
          // faster copy gives the stricter floor.
          const before = await copyBandwidth(rt.device);
          const gpuMs = await profileKernels(rt, cost.compiled, cost.resident, opts.floorRuns);
          const bw = Math.max(before, await copyBandwidth(rt.device));
          bandwidths.push(bw);
          floors.push(...kernelFloors(wl.name, cost.compiled, gpuMs, bw));
        }
        log(`  ${wl.name}: ${modes.map((m) => `(${m}) ${cs.map((c) => `${c.name} ${rows[m].at(-1)!.ms[c.name]!.toFixed(1)}`).join(', ')}`).join('; ')}`);
      } finally {
        cs.forEach((c) => c.dispose());
      }
    }

    const contenders = ['cost', 'none', 'tfjs-webgpu', 'ort-webgpu'].filter((c) => names.has(c));
    const note = `ms, median of ${runs} rounds (each contender and mode once per round, shuffled) after ${warmup} warm-up runs; ${device}; ${ortNote}`;
    const summaries: Partial<Record<Mode, ModeSummary>> = {};
    for (const m of modes) summaries[m] = modeTable(rep, m, rows[m], contenders, note);
    if (summaries.a !== undefined) targets(rep, summaries.a);
    if (floors.length > 0) {
      const [lo, hi] = [Math.min(...bandwidths), Math.max(...bandwidths)].map((b) => (b / 1e6).toFixed(1));
      floorTable(rep, floors, `copy bandwidth measured around each workload's profiled runs: ${lo === hi ? lo : `${lo}-${hi}`} GB/s (read + write); GPU ms: median and fastest of ${opts.floorRuns} timestamp-query runs on resident inputs, outputs read back`);
    }
    if (failed > 0) console.error(`\n${failed} result(s) differ from the float64 reference beyond tolerance`);

    if (opts.md !== undefined) writeFileSync(opts.md, rep.md.join('\n') + '\n');
    if (opts.json !== undefined) {
      const doc = { device, adapter: rt.adapterInfo, date: new Date().toISOString(), command: `npm run bench -- modes ${argv.join(' ')}`.trim(), loadAverage: { start: load0, end: os.loadavg()[0] }, runs, warmup, ort: ortNote, tfjs: tfjs?.version ?? null, rows, spread, summaries, floors, copyGBps: bandwidths.map((b) => b / 1e6) };
      writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
    }
    log(`load average (1 min): ${load0.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end`);
  } finally {
    if (tfjs !== null) teardownTfjs(tfjs);
    rt.destroy();
  }
  return failed > 0 ? 1 : 0;
}
