/**
 * Literal vs uniform sizes in the kernels (KernelParams.indexing), per bench workload: the same
 * cost plan lowered both ways, each executable's kernels timed on persistent buffers in alternating
 * rounds (median). Literal sizes let the shader compiler fold the index arithmetic (a u32 division
 * by a constant becomes a multiply and shift); uniform sizes share one pipeline across dims.
 *
 *   npx tsx bench/indexing.ts [runs] [--quick]
 */
import { compile, DEFAULT_PROFILE, toIR, type DeviceProfile } from '../src/index.js';
import { createRuntime } from '../src/runtime/index.js';
import { median, prepare, REPS } from './gpu-timing.js';
import { WORKLOADS } from './workloads.js';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 7);
const quick = process.argv.includes('--quick');
const profileWith = (indexing: 'literal' | 'uniform'): DeviceProfile => ({ ...DEFAULT_PROFILE, kernels: { ...DEFAULT_PROFILE.kernels, indexing } });

const gpu = await createRuntime();
try {
  console.log(`median kernel ms of ${runs} alternating rounds (${REPS} dispatches each), adapter ${gpu.adapterInfo.device}`);
  console.log('| workload | kernels | uniform ms | literal ms | uniform / literal |');
  console.log('| --- | --- | --- | --- | --- |');
  const ratios: number[] = [];
  for (const w of WORKLOADS) {
    const dims = quick ? w.quickDims : w.dims;
    const exes = (['uniform', 'literal'] as const).map((indexing) => compile(toIR(w.model), { dims, limits: gpu.limits, profile: profileWith(indexing) }).executable);
    const prepared = await Promise.all(exes.map((e) => prepare(gpu, e)));
    const times = exes.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) for (const [i, p] of prepared.entries()) times[i]!.push(await p.once());
    for (const p of prepared) p.free();
    const [u, l] = times.map(median) as [number, number];
    ratios.push(u / l);
    console.log(`| ${w.name} | ${exes[1]!.kernels.length} | ${u.toFixed(2)} | ${l.toFixed(2)} | ${(u / l).toFixed(2)}x |`);
  }
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  console.log(`geometric mean uniform / literal: ${geo.toFixed(2)}x`);
} finally {
  gpu.destroy();
}
