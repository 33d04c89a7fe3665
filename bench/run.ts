/**
 * The benchmark suite (`npm run bench`): every workload of bench/workloads.ts under the strategies
 * none, fuse-all, fuse-no-redundancy and cost, and with TensorFlow.js's WebGPU backend on the same
 * adapter in the same process; then the example models per strategy. Prints tables; `--json`
 * writes { device, results, fidelity, planner, ... }. Exits non-zero when any output differs
 * from the float64 reference beyond its per-element error bound.
 *
 *   npm run bench -- [--runs 15] [--warmup 3] [--only softmax,mlp] [--quick] [--json out.json]
 *                    [--no-tfjs] [--no-examples] [--tfjs-device shared|own] [--wait timer|spin]
 *
 *   npm run bench -- modes [...]     timing modes (a) resident, (b) readback, (c) end to end against
 *                                    tfjs and onnxruntime-web, and per-kernel floors (bench/modes.ts)
 *   npm run bench -- precision [runs] [scale]   f32 plans vs plans under an error budget of 1e-3
 *                                    (f16 intermediates; bench/precision.ts)
 *
 * bench/fidelity.ts and bench/planner.ts, when they export `collect(): Promise<unknown[]>`, fill
 * the "fidelity" and "planner" keys; otherwise those stay [] (a script with side effects is never
 * imported).
 */
import os from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { Command } from 'commander';
import { STRATEGIES, type Strategy } from '../src/api/compile.js';
import { createRuntime } from '../src/index.js';
import { copyBandwidth, geomean } from './harness.js';
import { benchCase, loadExamples, type BenchCase, type Result } from './suite.js';
import { adapterName, setupTfjs, teardownTfjs, type TfjsSetup } from './tfjs.js';
import { WORKLOADS } from './workloads.js';

// `modes` and `precision` are parts with their own arguments; nothing below runs for them.
if (process.argv[2] === 'modes') process.exit(await (await import('./modes.js')).main(process.argv.slice(3)));
if (process.argv[2] === 'precision') {
  // bench/precision.ts reads its positional arguments from argv[2..] and runs on import.
  process.argv.splice(2, 1);
  await import('./precision.js');
  process.exit(0);
}

const cli = new Command('bench')
  .option('--runs <n>', 'timed runs per contender (median reported)', (v) => Number(v))
  .option('--warmup <n>', 'untimed runs per contender before timing', (v) => Number(v))
  .option('--only <names>', 'comma-separated workload names (prefix match)')
  .option('--quick', 'small sizes and few runs: a smoke test')
  .option('--json <file>', 'write the results as JSON')
  .option('--md <file>', 'write the tables as Markdown (for docs/performance.md)')
  .option('--no-tfjs', 'skip TensorFlow.js')
  .option('--no-examples', 'skip the example models')
  .option('--tfjs-device <mode>', "'shared' (tfjs on fuseplan's GPUDevice) or 'own' (tfjs requests its own)", 'shared')
  .option('--wait <mode>', "the runtime's wait mode, for every backend: 'timer' or 'spin'", 'timer')
  .option('--strategies <list>', 'comma-separated fuseplan strategies', STRATEGIES.join(','));
cli.parse(process.argv);
const opts = cli.opts<{ runs?: number; warmup?: number; only?: string; quick?: boolean; json?: string; md?: string; tfjs: boolean; examples: boolean; tfjsDevice: string; wait: string; strategies: string }>();

const quick = opts.quick === true;
const runs = opts.runs ?? (quick ? 5 : 15);
const warmup = opts.warmup ?? (quick ? 1 : 3);
const strategies = opts.strategies.split(',') as Strategy[];
for (const s of strategies) if (!STRATEGIES.includes(s)) throw new Error(`unknown strategy ${s}`);
if (opts.wait !== 'timer' && opts.wait !== 'spin') throw new Error('--wait must be timer or spin');
if (opts.tfjsDevice !== 'shared' && opts.tfjsDevice !== 'own') throw new Error('--tfjs-device must be shared or own');
const only = opts.only?.split(',').filter(Boolean);
const picked = (name: string): boolean => only === undefined || only.some((o) => name.startsWith(o));

const log = (line: string): void => void process.stderr.write(line + '\n');
const fmt = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));
const mb = (b: number | null): string => (b === null ? '-' : (b / 1e6).toFixed(1));

// The runtime comes first: its 'timer' wait mode wraps setImmediate process-wide, and tfjs's Dawn
// promises (same binding) are polled through that wrapper too.
const load0 = os.loadavg()[0];
const rt = await createRuntime({ wait: opts.wait });
let tfjs: TfjsSetup | null = null;
let failed = 0;
try {
  const device = `${adapterName(rt.adapterInfo)} (Dawn 'webgpu' package, wait=${rt.wait})`;
  const copyBytesPerMs = await copyBandwidth(rt.device);
  log(`device: ${device}; copyBufferToBuffer ${(copyBytesPerMs / 1e6).toFixed(1)} GB/s (read + write)`);
  if (opts.tfjs) {
    tfjs = await setupTfjs(rt, { device: opts.tfjsDevice as 'shared' | 'own' });
    log(`tfjs ${tfjs.version}, backend '${tfjs.backend}' (${tfjs.device} device) on ${tfjs.adapter}`);
  }
  const suite = { runs, warmup, strategies, tfjs, copyBytesPerMs, profileRuns: quick ? 1 : 5, log };

  const results: Result[] = [];
  for (const w of WORKLOADS.filter((x) => picked(x.name))) {
    const c: BenchCase = { name: w.name, model: w.model, dims: quick ? w.quickDims : w.dims, tfjs: w.tfjs };
    results.push(...(await benchCase(rt, c, suite)));
  }
  const examples: Result[] = [];
  if (opts.examples && only === undefined) {
    for (const ex of await loadExamples()) examples.push(...(await benchCase(rt, ex, { ...suite, tfjs: null, profileRuns: quick ? 1 : 5 })));
  }

  const md: string[] = [];
  const print = (title: string, head: string[], rows: string[][]): void => {
    const t = new Table({ head, style: { head: [], border: [], compact: true } });
    t.push(...rows);
    console.log(`\n${title}\n${t.toString()}`);
    md.push(`${title}\n`, `| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), '');
  };
  const byKey = new Map(results.map((r) => [`${r.workload}|${r.strategy}`, r]));
  const workloads = [...new Set(results.map((r) => r.workload))];
  const speedup = (over: string, of = 'cost'): { per: Record<string, number>; geo: number } => {
    const per: Record<string, number> = {};
    for (const w of workloads) {
      const a = byKey.get(`${w}|${over}`);
      const b = byKey.get(`${w}|${of}`);
      if (a !== undefined && b !== undefined) per[w] = a.msMedian / b.msMedian;
    }
    return { per, geo: geomean(Object.values(per)) };
  };

  const head = ['workload', 'strategy', 'kernels', 'median ms', 'p25-p75 ms', 'MB moved', 'floor ms', 'I/O ms', 'GPU ms', 'BW frac', 'error/bound', 'JS CPU %', 'polls/ms', 'cost speedup'];
  const rows = results.map((r) => {
    const cost = byKey.get(`${r.workload}|cost`);
    return [r.workload, r.samePlanAs !== undefined ? `${r.strategy} (= ${r.samePlanAs})` : r.strategy, String(r.kernels), fmt(r.msMedian), `${fmt(r.msP25, 1)}-${fmt(r.msP75, 1)}`, mb(r.bytesMoved), fmt(r.floorMs), fmt(r.ioMs), fmt(r.gpuMs), fmt(r.bwFraction), `${r.errorVsBound.toExponential(1)}${r.ok ? '' : ' FAIL'}`, fmt(r.cpuPct, 0), fmt(r.pollsPerMs, 1), cost === undefined ? '-' : `${fmt(r.msMedian / cost.msMedian)}x`];
  });
  const title = `Workloads (${device}; copy bandwidth ${(copyBytesPerMs / 1e6).toFixed(1)} GB/s; median of ${runs} runs after ${warmup} warm-up, round-robin; each run = upload + kernels + read back)`;
  print(title, head, rows);

  const summary: Record<string, { geomean: number; perWorkload: Record<string, number> }> = {};
  for (const s of [...strategies.filter((x) => x !== 'cost'), ...(tfjs !== null ? ['tfjs-webgpu'] : [])]) {
    const sp = speedup(s);
    if (Object.keys(sp.per).length > 0) summary[`cost vs ${s}`] = { geomean: sp.geo, perWorkload: sp.per };
  }
  const lines: string[] = [];
  const waitBy = (pred: (r: Result) => boolean): string => {
    const rs = results.filter(pred);
    const polls = Math.max(...rs.map((r) => r.pollsPerMs));
    const cpu = rs.reduce((a, r) => a + r.cpuPct, 0) / Math.max(1, rs.length);
    return `max ${polls.toFixed(1)} Dawn polls/ms, mean JS-thread CPU ${cpu.toFixed(0)}%`;
  };
  lines.push(`waiting (wait=${rt.wait}): fuseplan ${waitBy((r) => r.strategy !== 'tfjs-webgpu')}${tfjs !== null ? `; tfjs ${waitBy((r) => r.strategy === 'tfjs-webgpu')}` : ''}`);
  for (const [k, v] of Object.entries(summary)) lines.push(`geomean speedup ${k}: ${v.geomean.toFixed(2)}x`);
  const vsNone = summary['cost vs none'];
  const vsTf = summary['cost vs tfjs-webgpu'];
  if (vsNone !== undefined) lines.push(`target cost >= 3x none (geomean): ${vsNone.geomean >= 3 ? 'met' : 'NOT met'} (${vsNone.geomean.toFixed(2)}x)`);
  if (vsTf !== undefined) {
    const losses = Object.entries(vsTf.perWorkload).filter(([, x]) => x <= 1).map(([w]) => w);
    lines.push(`target cost faster than tfjs on every workload: ${losses.length === 0 ? 'met' : `NOT met (slower on ${losses.join(', ')})`}`);
    lines.push(`target cost >= 2x tfjs (geomean): ${vsTf.geomean >= 2 ? 'met' : 'NOT met'} (${vsTf.geomean.toFixed(2)}x)`);
  }
  console.log(lines.join('\n'));
  md.push(lines.map((l) => `- ${l}`).join('\n'), '');

  if (examples.length > 0) {
    const eRows = examples.map((r) => [r.workload, r.strategy, String(r.kernels), mb(r.bytesMoved), fmt(r.msMedian), fmt(r.gpuMs, 3), fmt(r.bwFraction, 3), `${r.errorVsBound.toExponential(1)}${r.ok ? '' : ' FAIL'}`]);
    print(`Example models (their own dims; BW frac = memory-bound operators' bytes / their profiled GPU time / copy bandwidth)`, ['example', 'strategy', 'kernels', 'MB moved', 'median ms', 'GPU ms', 'BW frac (mem-bound kernels)', 'error/bound'], eRows);
  }

  const bad = [...results, ...examples].filter((r) => !r.ok);
  failed = bad.length;
  for (const r of bad) console.error(`MISMATCH: ${r.workload} / ${r.strategy}: error ${r.errorVsBound.toExponential(2)} times its bound`);

  if (opts.md !== undefined) {
    writeFileSync(opts.md, md.join('\n'));
    log(`wrote ${opts.md}`);
  }
  if (opts.json !== undefined) {
    const doc = {
      device,
      adapter: rt.adapterInfo,
      date: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      waitMode: rt.wait,
      // The machine may be shared: 1-minute load averages when the suite started and ended.
      loadAverage: { start: load0, end: os.loadavg()[0] },
      copyGBps: copyBytesPerMs / 1e6,
      runs,
      warmup,
      tfjs: tfjs === null ? null : { version: tfjs.version, backend: tfjs.backend, device: tfjs.device, adapter: tfjs.adapter },
      results,
      examples,
      summary,
      fidelity: await collect('fidelity'),
      planner: await collect('planner'),
    };
    writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
    log(`wrote ${opts.json}`);
  }
} finally {
  if (tfjs !== null) teardownTfjs(tfjs);
  rt.destroy();
}
if (failed > 0) {
  console.error(`\n${failed} result(s) differ from the float64 reference beyond tolerance`);
  process.exit(1);
}
process.exit(0);

/** Results of bench/<name>.ts, if it exports collect(); scripts that run on import are left alone. */
async function collect(name: string): Promise<unknown[]> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file) || !/export\s+(async\s+)?function\s+collect\b/.test(readFileSync(file, 'utf8'))) return [];
  const mod = (await import(pathToFileURL(file).href)) as { collect?: () => Promise<unknown[]> };
  return typeof mod.collect === 'function' ? await mod.collect() : [];
}
