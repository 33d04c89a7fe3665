/**
 * What keeping outputs on the GPU costs when a loop disposes them: a 1M-element elementwise kernel
 * (4 MiB in, 4 MiB out) on a resident input, profiled with its output read back (the output buffer
 * comes from the runtime's pool) and kept (`outputs: 'gpu'`, disposed every run), and the wall time
 * of `run(..., { outputs: 'gpu' })` + `dispose()`. Medians of 9 runs, two rounds.
 *
 *   npx tsx bench/kept-outputs.ts
 *
 * On lavapipe in a VM the first touch of a fresh buffer's pages happens inside the kernel, so
 * whether dispose() gives the buffer back to the pool shows in the kernel's own GPU time.
 */
import { compile, createRuntime, f32, model, randomInputs, toIR } from '../src/index.js';
import { median } from './harness.js';

const rt = await createRuntime();
try {
  const m = model('mul-add', { x: f32(['N']) }, ({ x }) => ({ y: x.mul(1.5).add(0.5) }));
  const dims = { N: 1 << 20 };
  const ir = toIR(m);
  const plan = compile(ir, { dims, runtime: rt });
  const x = await rt.upload(randomInputs(ir, dims, 1).x!);
  for (const round of [1, 2]) {
    const host: number[] = [];
    const kept: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < 9; r++) host.push((await rt.run(plan, { x }, { profile: true })).timings![0]!.ms);
    for (let r = 0; r < 9; r++) {
      const o = await rt.run(plan, { x }, { profile: true, outputs: 'gpu' });
      kept.push(o.timings![0]!.ms);
      o.gpu!.y!.dispose();
    }
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      const o = await rt.run(plan, { x }, { outputs: 'gpu' });
      o.gpu!.y!.dispose();
      wall.push(performance.now() - t0);
    }
    console.log(`round ${round}: kernel GPU ms with the output read back ${median(host).toFixed(2)}, kept and disposed ${median(kept).toFixed(2)}; wall ms of run(outputs: 'gpu') + dispose() ${median(wall).toFixed(2)}`);
  }
} finally {
  rt.destroy();
}
process.exit(0);
