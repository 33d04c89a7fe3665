// The demo behind `npm start`: plan, explain and run the example models on the GPU. For each model
// it shows the cost-based plan (which ops run fused in which kernels), times it against the
// unfused baseline (one kernel per op), and checks every output against the float64 reference.
// `npm start -- --explain` prints each model's full plan.
import { compareToReference, compile, createRuntime, evaluate, profileFor, randomInputs, toIR, type CompiledModel } from '../src/index.js';
import * as l2svm from './l2svm.js';
import * as mlp from './mlp.js';
import * as normBlock from './norm-block.js';
import * as transformer from './transformer.js';

const examples = [mlp, normBlock, l2svm, transformer];
const verbose = process.argv.includes('--explain');
const RUNS = 7;

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[(xs.length - 1) >> 1]!;

const gpu = await createRuntime();
let failed = 0;
try {
  const a = gpu.adapterInfo;
  const profile = profileFor(gpu);
  console.log(`WebGPU adapter: ${[a.vendor, a.architecture, a.device].filter(Boolean).join(' / ')} (${gpu.backend}, wait=${gpu.wait})`);
  console.log(`cost profile: ${profile.source}\n`);
  for (const ex of examples) {
    const ir = toIR(ex.default);
    const plans: Record<'cost' | 'none', CompiledModel> = {
      cost: compile(ex.default, { dims: ex.dims, limits: gpu.limits, profile }),
      none: compile(ex.default, { dims: ex.dims, limits: gpu.limits, profile, strategy: 'none' }),
    };
    const plan = plans.cost;
    console.log(`${ir.name}  dims ${JSON.stringify(ex.dims)}`);
    if (verbose) console.log(plan.explain() + '\n');
    else for (const op of plan.plan.ops) console.log(`  op ${op.id} ${op.template.padEnd(6)} ${op.members.length} ops fused -> ${op.outputs.map((o) => `%${o}`).join(', ')}`);
    const inputs = randomInputs(ir, ex.dims, 42);
    // Warm-up (pipeline compilation), then alternate the two plans so drift hits both alike.
    const first = await gpu.run(plan, inputs);
    await gpu.run(plans.none, inputs);
    const times = { cost: [] as number[], none: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const s of ['cost', 'none'] as const) {
        const t0 = performance.now();
        await gpu.run(plans[s], inputs);
        times[s].push(performance.now() - t0);
      }
    }
    const [c, n] = [median(times.cost), median(times.none)];
    console.log(
      `  cost plan: ${plan.executable.kernels.length} kernels, ${c.toFixed(2)} ms   unfused: ${plans.none.executable.kernels.length} kernels, ${n.toFixed(2)} ms   (${(n / c).toFixed(1)}x; median of ${RUNS}, upload + run + readback)`,
    );
    const ref = evaluate(ir, ex.dims, inputs);
    for (const o of ir.outputs) {
      const got = first.outputs[o.name]!;
      const cmp = compareToReference(got, ref[o.name]!);
      if (!cmp.ok) failed++;
      const preview = Array.from(got.slice(0, 4), (v) => v.toPrecision(5)).join(', ');
      console.log(`  ${o.name} [${ref[o.name]!.shape.join(', ')}] = [${preview}${got.length > 4 ? ', ...' : ''}]  error ${(cmp.worst * 100).toPrecision(2)}% of its f32 bound ${cmp.ok ? 'ok' : 'MISMATCH'}`);
    }
    console.log('');
  }
} finally {
  gpu.destroy();
}
if (failed > 0) {
  console.error(`${failed} output(s) differ from the reference`);
  process.exit(1);
}
