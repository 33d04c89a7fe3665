import Table from 'cli-table3';
import { compile } from '../api/compile.js';
import { randomInputs } from '../api/random-inputs.js';
import { compareToReference } from '../reference/compare.js';
import { evaluate } from '../reference/evaluate.js';
import { createRuntime } from '../runtime/index.js';
import { parseDims, parsePrecision, parseStrategy, median, stepProgress, tableStyle, UsageError } from './args.js';
import { loadModel } from './load-model.js';
import { profileForRun } from './calibrate.js';
import { colorsFor } from './colors.js';

export interface RunFlags {
  dims?: string;
  strategy?: string;
  check?: boolean;
  profile?: boolean;
  json?: boolean;
  seed?: string;
  runs?: string;
  deviceProfile?: string;
  maxRelError?: string;
  inputRanges?: string;
}

export async function runCommand(file: string, f: RunFlags, out: (s: string) => void): Promise<void> {
  const seed = Number(f.seed ?? '1');
  const runs = Number(f.runs ?? '5');
  if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, got '${f.seed}'`);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs: expected a positive integer, got '${f.runs}'`);
  const m = await loadModel(file);
  const dims = { ...m.dims, ...parseDims(f.dims) };
  const strategy = parseStrategy(f.strategy);
  const gpu = await createRuntime();
  try {
    const progress = stepProgress(runs + 2 + (f.check ? 1 : 0) + (f.profile ? 1 : 0), m.ir.name);
    const precision = parsePrecision(m.ir, f.maxRelError, f.inputRanges);
    const plan = compile(m.ir, { dims, strategy, limits: gpu.limits, profile: profileForRun(f.deviceProfile, gpu), ...(precision ? { precision, runtime: gpu } : {}) });
    progress.step('planned and compiled');
    const inputs = randomInputs(m.ir, dims, seed);
    // The first run creates the pipelines (shader compilation): its time is reported on its own,
    // apart from the timed runs, and the profiled run comes after them so that kernel times are warm.
    const t0 = performance.now();
    const first = await gpu.run(plan, inputs);
    const firstRunMs = performance.now() - t0;
    progress.step('first run (pipelines)');
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await gpu.run(plan, inputs);
      times.push(performance.now() - t);
      progress.step(`timed run ${i + 1}/${runs}`);
    }
    const profiled = f.profile ? await gpu.run(plan, inputs, { profile: true }) : undefined;
    if (profiled) progress.step('profiled run');
    const outputs: { name: string; shape: readonly number[]; errorVsBound?: number; maxRelErr?: number; ok?: boolean }[] = plan.executable.outputs.map((o) => ({ name: o.name, shape: o.shape }));
    if (f.check) {
      const ref = evaluate(m.ir, dims, inputs);
      progress.step('float64 reference');
      for (const o of outputs) {
        // Under an error budget an output may also carry the error the f16 choices add (compareToReference doubles bounds).
        const added = plan.plan.precision?.outputs.find((p) => p.name === o.name)?.addedError ?? 0;
        const want = ref[o.name]!;
        const c = compareToReference(first.outputs[o.name]!, added > 0 ? { ...want, bound: want.bound.map((b) => b + added / 2) } : want);
        o.errorVsBound = c.worst;
        o.maxRelErr = c.maxRelErr;
        o.ok = c.ok;
      }
    }
    progress.done();
    const kernels = plan.executable.kernels.length;
    const timings = profiled?.timings?.map((t) => ({ kernel: t.label, op: t.op, ms: t.ms }));
    const pc = colorsFor(process.stdout);
    if (f.json) {
      out(JSON.stringify({ model: m.ir.name, strategy, dims, device: gpu.adapterInfo, kernels, firstRunMs, msMedian: median(times), outputs, ...(timings ? { profile: timings } : {}) }, null, 2) + '\n');
    } else {
      out(`${pc.bold(m.ir.name)}  strategy ${strategy}  dims ${JSON.stringify(dims)}  ${kernels} kernels  median ${median(times).toFixed(3)} ms over ${runs} runs (wall, incl. upload and readback)\n`);
      out(`first run ${firstRunMs.toFixed(1)} ms, including pipeline creation (shader compilation)\n`);
      const t = new Table({ ...tableStyle(), head: ['output', 'shape', ...(f.check ? ['error / bound', 'check'] : [])] });
      for (const o of outputs) t.push([o.name, `[${o.shape.join(', ')}]`, ...(f.check ? [o.errorVsBound!.toExponential(2), o.ok ? pc.green('ok') : pc.red('MISMATCH')] : [])]);
      out(t.toString() + '\n');
      if (timings) {
        const p = new Table({ ...tableStyle(), head: ['kernel', 'fused operator', 'GPU ms (warm)'] });
        for (const k of timings) p.push([k.kernel, k.op ?? '', k.ms.toFixed(4)]);
        out(p.toString() + '\n');
      }
    }
    if (f.check && outputs.some((o) => !o.ok)) throw new Error('outputs differ from the float64 reference');
  } finally {
    gpu.destroy();
  }
}
