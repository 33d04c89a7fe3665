// The demo behind `npm start`: plan, explain and run the example models on the GPU, and check
// every output against the float64 reference.
import { compareToReference, compile, createRuntime, evaluate, profileFor, randomInputs, toleranceFor, toIR } from '../src/index.js';
import * as l2svm from './l2svm.js';
import * as mlp from './mlp.js';
import * as normBlock from './norm-block.js';

const examples = [mlp, normBlock, l2svm];
const verbose = process.argv.includes('--explain');

const gpu = await createRuntime();
let failed = 0;
try {
  const a = gpu.adapterInfo;
  console.log(`WebGPU adapter: ${[a.vendor, a.architecture, a.device].filter(Boolean).join(' / ')} (${gpu.backend}, wait=${gpu.wait})\n`);
  for (const ex of examples) {
    const ir = toIR(ex.default);
    // The adapter's calibrated cost profile (`fuseplan calibrate`), else the built-in default.
    const plan = compile(ex.default, { dims: ex.dims, limits: gpu.limits, profile: profileFor(gpu) });
    if (verbose) console.log(plan.explain() + '\n');
    const inputs = randomInputs(ir, ex.dims, 42);
    const t0 = performance.now();
    const { outputs } = await gpu.run(plan, inputs);
    const ms = performance.now() - t0;
    const ref = evaluate(ir, ex.dims, inputs);
    const tol = toleranceFor(ir);
    console.log(`${ir.name}  dims ${JSON.stringify(ex.dims)}  strategy ${plan.strategy}  ${plan.executable.kernels.length} kernels  ${ms.toFixed(1)} ms (first run, incl. pipeline compile)`);
    for (const o of ir.outputs) {
      const got = outputs[o.name]!;
      const c = compareToReference(got, ref[o.name]!.data, tol);
      if (!c.ok) failed++;
      const preview = Array.from(got.slice(0, 4), (v) => v.toPrecision(5)).join(', ');
      console.log(`  ${o.name} [${ref[o.name]!.shape.join(', ')}] = [${preview}${got.length > 4 ? ', ...' : ''}]  max rel err ${c.maxRelErr.toExponential(2)} (tolerance ${tol.rtol.toExponential(1)}) ${c.ok ? 'ok' : 'MISMATCH'}`);
    }
  }
} finally {
  gpu.destroy();
}
if (failed > 0) {
  console.error(`\n${failed} output(s) differ from the reference`);
  process.exit(1);
}
