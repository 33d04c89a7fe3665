/**
 * fuseplan's cost plan against onnxruntime-web's WebGPU execution provider on the bench workloads,
 * same Dawn adapter, same process, end to end (host inputs uploaded, kernels, outputs read back:
 * timing mode (c) of issue #12), median of alternating rounds after warm-up. Every output of both
 * is first checked against the float64 reference and its error bounds.
 *
 *   npm install --no-save onnxruntime-web && npx tsx bench/peers.ts [runs] [--quick]
 */
import { compareToReference, compile, createRuntime, evaluate, randomInputs, toIR } from '../src/index.js';
import { median } from './gpu-timing.js';
import { onnxWorkload } from './ort-workloads.js';
import { setupOrt } from './ort.js';
import { WORKLOADS } from './workloads.js';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 9);
const quick = process.argv.includes('--quick');

const gpu = await createRuntime();
const ort = await setupOrt();
try {
  console.log(`end to end (upload + kernels + readback), median of ${runs} alternating rounds after 2 warm-up runs, adapter ${gpu.adapterInfo.device}`);
  console.log('| workload | fuseplan ms | onnxruntime-web ms | ort / fuseplan | both correct |');
  console.log('| --- | --- | --- | --- | --- |');
  const ratios: number[] = [];
  for (const w of WORKLOADS) {
    const ir = toIR(w.model);
    const dims = quick ? w.quickDims : w.dims;
    const plan = compile(ir, { dims, runtime: gpu });
    const feeds = randomInputs(ir, dims, 20240607);
    const ref = evaluate(ir, dims, feeds);
    const shapeOf = (node: number): number[] => [...plan.shapes[node]!];
    const session = await ort.InferenceSession.create(
      onnxWorkload(w.name, Object.fromEntries(ir.inputs.map((i) => [i.name, shapeOf(i.node)])), Object.fromEntries(ir.outputs.map((o) => [o.name, shapeOf(o.node)]))),
      { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' },
    );
    const ortFeeds = Object.fromEntries(ir.inputs.map((i) => [i.name, new ort.Tensor('float32', feeds[i.name]!, shapeOf(i.node))]));
    const runFp = async (): Promise<Record<string, Float32Array>> => (await gpu.run(plan, feeds)).outputs;
    const runOrt = async (): Promise<Record<string, Float32Array>> => {
      const r = await session.run(ortFeeds);
      return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
    };
    const ok = [await runFp(), await runOrt()].every((outs) => ir.outputs.every((o) => outs[o.name] !== undefined && compareToReference(outs[o.name]!, ref[o.name]!).ok));
    await runFp();
    await runOrt();
    const times: [number[], number[]] = [[], []];
    for (let r = 0; r < runs; r++) {
      for (const [i, f] of [runFp, runOrt].entries()) {
        const t0 = performance.now();
        await f();
        times[i]!.push(performance.now() - t0);
      }
    }
    const [fp, or] = times.map(median) as [number, number];
    ratios.push(or / fp);
    console.log(`| ${w.name} | ${fp.toFixed(2)} | ${or.toFixed(2)} | ${(or / fp).toFixed(2)}x | ${ok ? 'yes' : 'NO'} |`);
  }
  console.log(`geometric mean ort / fuseplan: ${Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length).toFixed(2)}x`);
} finally {
  gpu.destroy();
}
process.exit(0);
