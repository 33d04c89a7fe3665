/**
 * Mixed precision on the local adapter: memory-bound workloads compiled all-f32 (no budget) and
 * with an error budget (maxRelError 1e-3, the inputs' ranges given), timed on persistent buffers
 * in one process; each round times both plans back to back (order alternating), after a warm-up
 * run each. Reported: the medians' ratio and the median of the per-round ratios (steadier on a
 * shared machine, where load drifts between rounds). Each f16 plan
 * is also checked once against the float64 reference: the error beyond the f32 allowance must be
 * within the plan's bound, which is within the budget (test/api/precision.test.ts measures it the
 * same way).
 *
 *   npx tsx bench/precision.ts [runs] [scale]      (defaults: 9 runs, scale 1)
 */
import { compile, type CompiledModel } from '../src/api/compile.js';
import { f32, materialize, model, reduceMax, type AnyModel } from '../src/dsl/index.js';
import { evaluate } from '../src/reference/evaluate.js';
import { createRuntime } from '../src/runtime/index.js';
import { median, prepare } from './gpu-timing.js';

const runs = Number(process.argv[2] ?? 9);
const scale = Number(process.argv[3] ?? 1);
const N = 2048 * scale;
const C = 2048;

interface Workload {
  readonly name: string;
  readonly what: string;
  readonly model: AnyModel;
  readonly ranges: Record<string, [number, number]>;
}

const WORKLOADS: Workload[] = [
  {
    name: 'outer-reduce',
    what: `h = 8 tanh(u v^T) + 8 [${N}x${C}] from two vectors, reduced along rows and along columns (two kernels read h)`,
    model: model('outer-reduce', { u: f32([N, 1]), v: f32([1, C]) }, ({ u, v }) => {
      const h = materialize(u.mul(v).tanh().mul(8).add(8));
      return { rows: h.sum(1), cols: reduceMax(h, 0) };
    }),
    ranges: { u: [-1, 1], v: [-1, 1] },
  },
  {
    name: 'shared-activation',
    what: `h = 4 sigmoid(x y) + 4 [${N}x${C}] read by a row sum of h x and a column sum of h y`,
    model: model('shared-activation', { x: f32([N, C]), y: f32([N, C]) }, ({ x, y }) => {
      const h = materialize(x.mul(y).sigmoid().mul(4).add(4));
      return { a: h.mul(x).sum(1), b: h.mul(y).sum(0) };
    }),
    ranges: { x: [-1, 1], y: [-1, 1] },
  },
  {
    name: 'elementwise-pair',
    what: `h = 8 tanh(x) + 8 [${N}x${C}] read by two elementwise outputs (outputs stay f32)`,
    model: model('elementwise-pair', { x: f32([N, C]) }, ({ x }) => {
      const h = materialize(x.tanh().mul(8).add(8));
      return { a: h.add(x), b: h.mul(0.5).sub(x) };
    }),
    ranges: { x: [-1, 1] },
  },
];

const gpu = await createRuntime();
try {
  console.log(`adapter: ${gpu.adapterInfo.description || gpu.adapterInfo.vendor}; ${runs} runs, medians of kernel time on persistent buffers`);
  console.log('| workload | f16 intermediates | bytes moved f32 -> f16 (estimate) | f32 ms | budget 1e-3 ms | ratio of medians | median of per-round ratios | measured error / budget |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const w of WORKLOADS) {
    const base = compile(w.model, { runtime: gpu });
    const mixed = compile(w.model, { runtime: gpu, precision: { maxRelError: 1e-3, inputRanges: w.ranges } });
    const inputs = Object.fromEntries(mixed.executable.inputs.map((i) => [i.name, Float32Array.from({ length: i.length }, (_, k) => Math.sin(k * 0.618 + i.name.length))]));
    const share = await measuredShare(mixed, inputs);
    const [p32, p16] = [await prepare(gpu, base.executable), await prepare(gpu, mixed.executable)];
    const t32: number[] = [];
    const t16: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < runs; r++) {
      // Back to back within a round, order alternating: the ratio of a round sees one machine load.
      const [a, b] = r % 2 === 0 ? [await p32.once(), await p16.once()] : (([y, x]) => [x, y])([await p16.once(), await p32.once()]);
      t32.push(a!);
      t16.push(b!);
      ratios.push(a! / b!);
    }
    p32.free();
    p16.free();
    const bytes = (c: CompiledModel): number => c.plan.costs.reduce((s, k) => s + k.bytesRead + k.bytesWritten, 0);
    const f16 = mixed.plan.precision!.choices.filter((c) => c.storage === 'f16').length;
    const [m32, m16] = [median(t32), median(t16)];
    console.log(`| ${w.name} | ${f16} of ${mixed.plan.precision!.choices.length} | ${(bytes(base) / 1e6).toFixed(1)} MB -> ${(bytes(mixed) / 1e6).toFixed(1)} MB | ${m32.toFixed(2)} | ${m16.toFixed(2)} | ${(m32 / m16).toFixed(2)}x | ${median(ratios).toFixed(2)}x | ${share.toFixed(3)} |`);
  }
  console.log('\nworkloads:');
  for (const w of WORKLOADS) console.log(`- ${w.name}: ${w.what}`);
} finally {
  gpu.destroy();
}

/**
 * The largest error beyond the f32 allowance (2x the reference's per-element bound) over all
 * outputs, as a share of the budget (maxRelError x the output's magnitude bound); throws when an
 * element is beyond the plan's own bound.
 */
async function measuredShare(c: CompiledModel, inputs: Record<string, Float32Array>): Promise<number> {
  const p = c.plan.precision!;
  const { outputs } = await gpu.run(c, inputs);
  const ref = evaluate(c.model, c.dims, inputs);
  let worst = 0;
  for (const o of p.outputs) {
    const got = outputs[o.name]!;
    const { data, bound } = ref[o.name]!;
    for (let i = 0; i < got.length; i++) {
      const beyond = Math.abs(got[i]! - data[i]!) - 2 * bound[i]!;
      if (beyond > o.addedError) throw new Error(`${c.name} ${o.name}[${i}]: error beyond the plan's bound`);
      worst = Math.max(worst, beyond / (p.maxRelError * o.magnitude));
    }
  }
  return worst;
}
