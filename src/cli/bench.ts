/**
 * `fuseplan bench <model-file>`: time a model under every strategy (or the ones named) on the
 * device: kernels launched, estimated vs measured time, bytes the plan moves. Contenders are
 * timed round-robin so the machine's drift hits all alike; each run uploads the inputs, runs and
 * reads the outputs back. (The cross-library suite with tfjs-webgpu lives in bench/.)
 */
import Table from 'cli-table3';
import { colorsFor } from './colors.js';
import { compile, type CompiledModel } from '../api/compile.js';
import { randomInputs } from '../api/random-inputs.js';
import { STRATEGIES, type Strategy } from '../plan/plan.js';
import { createRuntime } from '../runtime/index.js';
import { parseDims, parseStrategy, median, stepProgress, tableStyle, UsageError } from './args.js';
import { profileForRun } from './calibrate.js';
import { loadModel } from './load-model.js';

export interface BenchFlags {
  dims?: string;
  strategies?: string;
  runs?: string;
  warmup?: string;
  json?: boolean;
  deviceProfile?: string;
}

export async function benchCommand(file: string, f: BenchFlags, out: (s: string) => void): Promise<void> {
  const runs = Number(f.runs ?? '10');
  const warmup = Number(f.warmup ?? '2');
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs: expected a positive integer, got '${f.runs}'`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError(`--warmup: expected a non-negative integer, got '${f.warmup}'`);
  const strategies: Strategy[] = f.strategies ? f.strategies.split(',').map((s) => parseStrategy(s.trim())) : [...STRATEGIES];
  const m = await loadModel(file);
  const dims = { ...m.dims, ...parseDims(f.dims) };
  const gpu = await createRuntime();
  try {
    const inputs = randomInputs(m.ir, dims, 1);
    const profile = profileForRun(f.deviceProfile, gpu);
    const plans = new Map<Strategy, CompiledModel>(strategies.map((s) => [s, compile(m.ir, { dims, strategy: s, limits: gpu.limits, profile })]));
    const times = new Map<Strategy, number[]>(strategies.map((s) => [s, []]));
    const total = (warmup + runs) * strategies.length;
    const progress = stepProgress(total, 'bench');
    for (let round = 0; round < warmup + runs; round++) {
      // Rotate the order every round so no strategy always runs right after another.
      for (let k = 0; k < strategies.length; k++) {
        const s = strategies[(round + k) % strategies.length]!;
        const t0 = performance.now();
        await gpu.run(plans.get(s)!, inputs);
        if (round >= warmup) times.get(s)!.push(performance.now() - t0);
        progress.step(`${s} ${round < warmup ? 'warm-up' : 'run'}`);
      }
    }
    progress.done();
    const rows = strategies.map((s) => {
      const p = plans.get(s)!;
      const bytes = p.plan.costs.reduce((a, c) => a + c.bytesRead + c.bytesWritten, 0);
      return { strategy: s, kernels: p.executable.kernels.length, estimatedMs: p.plan.estimatedMs, msMedian: median(times.get(s)!), bytesMoved: bytes };
    });
    if (f.json) {
      out(JSON.stringify({ model: m.ir.name, dims, device: gpu.adapterInfo, runs, results: rows }, null, 2) + '\n');
      return;
    }
    const base = rows.find((r) => r.strategy === 'none')?.msMedian;
    const t = new Table({ ...tableStyle(), head: ['strategy', 'kernels', 'estimated ms', 'median ms', ...(base ? ['vs none'] : []), 'bytes moved'] });
    for (const r of rows) {
      t.push([r.strategy, r.kernels, r.estimatedMs.toFixed(3), r.msMedian.toFixed(3), ...(base ? [`${(base / r.msMedian).toFixed(2)}x`] : []), `${(r.bytesMoved / 1024).toFixed(1)} KiB`]);
    }
    out(`${colorsFor(process.stdout).bold(m.ir.name)}  dims ${JSON.stringify(dims)}  median of ${runs} runs after ${warmup} warm-up (wall: upload, kernels, readback)\n${t.toString()}\n`);
  } finally {
    gpu.destroy();
  }
}
