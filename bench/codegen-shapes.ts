/**
 * Micro benchmark of the cell kernel's variants on the local adapter: scalar vs vec4 loads, and
 * items per invocation, on 16M elements of `exp(-(a*b+1))` (two reads, one write), plus the
 * unfused three-kernel baseline. Reports the median of several runs of the kernel time
 * (on persistent buffers) and of the whole execute() call (allocate, upload, kernel, read back).
 *
 *   npx tsx bench/codegen-shapes.ts [elements] [runs]
 */
import { lowerPlan } from '../src/codegen/lower.js';
import { lowerUnfused } from '../src/codegen/lower-unfused.js';
import type { Executable } from '../src/codegen/kernel.js';
import { median, prepare, REPS } from './gpu-timing.js';
import { Graph } from '../src/ir/graph.js';
import { bindShapes, type ModelIR } from '../src/ir/model.js';
import type { FusedOp } from '../src/plan/plan.js';
import { createRuntime } from '../src/runtime/index.js';

const n = Number(process.argv[2] ?? 16 * 1024 * 1024);
const runs = Number(process.argv[3] ?? 7);

const g = new Graph();
const a = g.input('a', [n / 1024, 1024]);
const b = g.input('b', [n / 1024, 1024]);
const t1 = g.binary('mul', a, b);
const t2 = g.binary('add', t1, g.constant(1));
const t3 = g.unary('neg', t2);
const y = g.unary('exp', t3);
const model: ModelIR = { name: 'bench', graph: g, inputs: [{ name: 'a', node: a }, { name: 'b', node: b }], outputs: [{ name: 'y', node: y }] };
const shapes = bindShapes(model, {});
const op: FusedOp = { id: 0, template: 'cell', members: [t1, t2, t3, y], outputs: [y], inputs: [a, b, t2 - 1] };

const gpu = await createRuntime();
try {
  const inputs = {
    a: Float32Array.from({ length: n }, (_, i) => ((i % 97) - 48) / 50),
    b: Float32Array.from({ length: n }, (_, i) => ((i % 89) - 44) / 40),
  };
  const variants: { name: string; exe: Executable }[] = [
    { name: 'unfused: 4 scalar kernels, 1 elem/inv', exe: lowerUnfused(model, {}, { maxWorkgroupsPerDim: gpu.limits.maxComputeWorkgroupsPerDimension }) },
  ];
  for (const perThread of [1, 4, 8, 16]) {
    variants.push({ name: `cell scalar, ${perThread} elem/inv`, exe: lowerPlan(model, shapes, [op], { limits: gpu.limits, cell: { vectorize: false, perThread } }).executable });
  }
  for (const perThread of [1, 2, 4, 8, 16]) {
    variants.push({ name: `cell vec4, ${perThread} vec4/inv`, exe: lowerPlan(model, shapes, [op], { limits: gpu.limits, cell: { perThread } }).executable });
  }
  // Rounds visit every variant in turn, so drift in the (shared, noisy) machine's speed hits all alike.
  const kernel = variants.map(() => [] as number[]);
  const total = variants.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (const [i, v] of variants.entries()) {
      const p = await prepare(gpu, v.exe);
      kernel[i]!.push(await p.once());
      p.free();
      const t0 = performance.now();
      await gpu.execute(v.exe, inputs);
      total[i]!.push(performance.now() - t0);
    }
  }
  const mb = (n * 4 * 3) / 1e6;
  console.log(`${n} elements, median of ${runs} rounds (${REPS} dispatches each), adapter ${gpu.adapterInfo.device} (${gpu.adapterInfo.architecture}), wait mode ${gpu.wait}`);
  console.log('| variant | kernel ms (min / median) | GB/s at median (3 streams) | execute() ms median |');
  console.log('| --- | --- | --- | --- |');
  variants.forEach((v, i) => {
    const k = median(kernel[i]!);
    console.log(`| ${v.name} | ${Math.min(...kernel[i]!).toFixed(1)} / ${k.toFixed(1)} | ${(mb / k).toFixed(1)} | ${median(total[i]!).toFixed(1)} |`);
  });
} finally {
  gpu.destroy();
}
