/**
 * Issue 7, part 2: device limits. Tensors past maxComputeWorkgroupsPerDimension x the workgroup
 * size run correctly in every template; tensors past maxStorageBufferBindingSize are rejected with
 * FuseplanError('limit') naming the tensor, its size and the limit; a plan needing more storage
 * bindings than allowed is split by the planner; no kernel exceeds the workgroup memory limit.
 * Sizes are in docs/reliability.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompiledModel } from '../../src/api/compile.js';
import { f32, model, softmax } from '../../src/dsl/index.js';
import { FuseplanError } from '../../src/ir/errors.js';
import { STRATEGIES } from '../../src/plan/plan.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { catchFuseplanError } from '../support/catch-error.js';

/** Past this many elements a 1-D dispatch of one element per invocation needs a second dimension. */
const DISPATCH_1D = 65535 * 256;

let gpu: Runtime;
beforeAll(async () => {
  // No pooling: these runs allocate ~70 MB buffers that should not stay around.
  gpu = await createRuntime({ poolBytes: 0 });
});
afterAll(() => gpu?.destroy());

const templates = (p: CompiledModel): string[] => p.plan.ops.map((o) => o.template);
const ramp = (n: number, f: (i: number) => number): Float32Array => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
};

describe(`tensors of more than 65535 x 256 = ${DISPATCH_1D} elements`, () => {
  it('cell: an odd length (scalar path) past the 1-D dispatch size', async () => {
    const n = DISPATCH_1D + 4097;
    const m = model('cell', { x: f32(['N']) }, ({ x }) => ({ y: x.mul(2).add(1).abs() }));
    const plan = compile(m, { dims: { N: n }, limits: gpu.limits });
    expect(templates(plan)).toEqual(['cell']);
    const x = ramp(n, (i) => (i % 2001) - 1000);
    const { outputs } = await gpu.run(plan, { x });
    const y = outputs.y!;
    expect(y.length).toBe(n);
    let bad = 0;
    for (let i = 0; i < n; i++) if (y[i] !== Math.abs(x[i]! * 2 + 1)) bad++;
    expect(bad).toBe(0);
  });

  it('reduce: a full sum and 70000 row sums over more than 65535 x 256 elements', async () => {
    const n = DISPATCH_1D + 1024;
    const full = model('sum', { x: f32(['N']) }, ({ x }) => ({ s: x.sum(), m: x.max() }));
    const plan = compile(full, { dims: { N: n }, limits: gpu.limits });
    expect(templates(plan).every((t) => t === 'cell' || t === 'magg')).toBe(true);
    // Integers small enough that every partial sum is exact in f32.
    const x = ramp(n, (i) => (i % 3) - 1);
    x[n - 5] = 1000;
    const { outputs } = await gpu.run(plan, { x });
    let want = 0;
    for (let i = 0; i < n; i++) want += x[i]!;
    expect(outputs.s![0]).toBe(want);
    expect(outputs.m![0]).toBe(1000);

    const rows = 70_000;
    const rowSums = model('rows', { x: f32(['R', 256]) }, ({ x }) => ({ s: x.mul(x).sum(1) }));
    const p2 = compile(rowSums, { dims: { R: rows }, limits: gpu.limits });
    const x2 = ramp(rows * 256, (i) => ((i * 7) % 5) - 2);
    const out = (await gpu.run(p2, { x: x2 })).outputs.s!;
    expect(out.length).toBe(rows);
    let bad = 0;
    for (let r = 0; r < rows; r++) {
      let w = 0;
      for (let c = 0; c < 256; c++) w += x2[r * 256 + c]! ** 2;
      if (out[r] !== w) bad++;
    }
    expect(bad).toBe(0);
  });

  it('row: softmax over 70000 rows (more rows than workgroups per dimension)', async () => {
    const rows = 70_000;
    const m = model('softmax', { x: f32(['R', 8]) }, ({ x }) => ({ y: softmax(x) }));
    const plan = compile(m, { dims: { R: rows }, limits: gpu.limits });
    expect(templates(plan)).toEqual(['row']);
    const x = ramp(rows * 8, (i) => Math.sin(i) * 4);
    const { outputs } = await gpu.run(plan, { x });
    const ref = evaluate(m.ir, { R: rows }, { x });
    expect(compareToReference(outputs.y!, ref.y!).ok).toBe(true);
  });

  it('matmul: a 70000 x 8 @ 8 x 256 product (17.9M outputs) and a 16.8M-row matrix-vector product', async () => {
    const M = 70_000;
    const mm = model('mm', { a: f32(['M', 8]), b: f32([8, 256]) }, ({ a, b }) => ({ y: a.matmul(b).add(1) }));
    const plan = compile(mm, { dims: { M }, limits: gpu.limits });
    expect(templates(plan)).toEqual(['matmul']);
    const a = ramp(M * 8, (i) => (i % 7) - 3);
    const b = ramp(8 * 256, (i) => (i % 5) - 2);
    const y = (await gpu.run(plan, { a, b })).outputs.y!;
    expect(y.length).toBe(M * 256);
    let bad = 0;
    for (let r = 0; r < M; r += 97) {
      for (let c = 0; c < 256; c++) {
        let w = 1;
        for (let k = 0; k < 8; k++) w += a[r * 8 + k]! * b[k * 256 + c]!;
        if (y[r * 256 + c] !== w) bad++;
      }
    }
    expect(bad).toBe(0);

    const rows = DISPATCH_1D + 3;
    const mv = model('mv', { a: f32(['M', 1]), v: f32([1, 1]) }, ({ a, v }) => ({ y: a.matmul(v) }));
    const p2 = compile(mv, { dims: { M: rows }, limits: gpu.limits });
    const a2 = ramp(rows, (i) => (i % 11) - 5);
    const y2 = (await gpu.run(p2, { a: a2, v: Float32Array.of(3) })).outputs.y!;
    let bad2 = 0;
    for (let i = 0; i < rows; i++) if (y2[i] !== a2[i]! * 3) bad2++;
    expect(bad2).toBe(0);
  });
});

describe('maxComputeWorkgroupsPerDimension', () => {
  it('a batched matmul with more row tiles than one dimension allows spreads them over y and z', async () => {
    // 1000 per dimension here stands for 65535 (which needs M > 4.2M rows to reach).
    const tight = await createRuntime({ limits: { maxComputeWorkgroupsPerDimension: 1000 }, poolBytes: 0 });
    try {
      const M = 1000 * 64 + 100;
      const m = model('tall', { a: f32([3, 'M', 2]), b: f32([2, 5]) }, ({ a, b }) => ({ y: a.matmul(b).add(1) }));
      const plan = compile(m, { dims: { M }, limits: tight.limits });
      const k = plan.executable.kernels[0]!;
      // 3 x 1002 row tiles = 3006, as 752 in y x 4 in z (x: one column tile).
      expect(k.dispatch).toEqual([1, 752, 4]);
      const a = ramp(3 * M * 2, (i) => (i % 13) - 6);
      const b = Float32Array.of(1, -2, 3, 0.5, 2, -1, 0, 1, 4, -3);
      const y = (await tight.run(plan, { a, b }, { poison: true })).outputs.y!;
      let bad = 0;
      for (let r = 0; r < 3 * M; r++) {
        for (let c = 0; c < 5; c++) if (y[r * 5 + c] !== a[r * 2]! * b[c]! + a[r * 2 + 1]! * b[5 + c]! + 1) bad++;
      }
      expect(bad).toBe(0);
    } finally {
      tight.destroy();
    }
  });
});

describe('maxStorageBufferBindingSize', () => {
  const LIMIT = 1 << 16;
  const outer = model('outer', { a: f32(['N', 1]), b: f32([1, 'N']) }, ({ a, b }) => ({ y: a.mul(b) }));
  const big = model('big', { x: f32(['N']) }, ({ x }) => ({ y: x.exp() }));

  it('compile() with the limit rejects an input, or an output, that exceeds it, naming tensor, size and limit', async () => {
    const small = await createRuntime({ limits: { maxStorageBufferBindingSize: LIMIT } });
    try {
      expect(small.limits.maxStorageBufferBindingSize).toBe(LIMIT);
      const e1 = catchFuseplanError(() => compile(big, { dims: { N: 20_000 }, limits: small.limits }));
      expect(e1.code).toBe('limit');
      expect(e1.message).toBe("input 'x' of shape [20000] needs 80000 bytes; the device's maxStorageBufferBindingSize is 65536");
      const e2 = catchFuseplanError(() => compile(outer, { dims: { N: 200 }, limits: small.limits }));
      expect(e2.code).toBe('limit');
      expect(e2.message).toMatch(/^output 'y' \(%\d+ mul\) of shape \[200, 200\] needs 160000 bytes; the device's maxStorageBufferBindingSize is 65536$/);
      // Just under the limit compiles and runs.
      const ok = compile(big, { dims: { N: LIMIT / 4 }, limits: small.limits });
      expect((await small.run(ok, { x: new Float32Array(LIMIT / 4) })).outputs.y![0]).toBe(1);
    } finally {
      small.destroy();
    }
  });

  it('a plan compiled for a roomier device is rejected at run, naming the buffer, and the runtime stays usable', async () => {
    const small = await createRuntime({ limits: { maxStorageBufferBindingSize: LIMIT } });
    try {
      const plan = compile(outer, { dims: { N: 200 } });
      const e = await small.run(plan, { a: new Float32Array(200), b: new Float32Array(200) }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(FuseplanError);
      expect((e as FuseplanError).code).toBe('limit');
      expect((e as FuseplanError).message).toMatch(/binds "y \(%\d+\)" of 160000 bytes; the device's maxStorageBufferBindingSize is 65536/);
      const fits = compile(outer, { dims: { N: 100 }, limits: small.limits });
      const y = (await small.run(fits, { a: new Float32Array(100).fill(2), b: new Float32Array(100).fill(3) })).outputs.y!;
      expect(y.every((v) => v === 6)).toBe(true);
      expect(small.stats().liveBuffers).toBe(0);
    } finally {
      small.destroy();
    }
  });
});

describe('maxStorageBuffersPerShaderStage = 4', () => {
  // Ten inputs feeding one expression and a reduction: fused whole it binds 11+ buffers.
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] as const;
  const wide = model('wide', Object.fromEntries(names.map((n) => [n, f32(['R', 33])])), (t) => {
    const [a, b, c, d, e, f, g, h, i, j] = names.map((n) => t[n]!);
    const z = a!.mul(b!).add(c!.mul(d!)).sub(e!.div(f!.abs().add(1))).add(g!.maximum(h!)).mul(i!.sub(j!).tanh());
    return { z, s: z.sum(1), m: z.exp().max(1) };
  });

  it.each(STRATEGIES)('strategy %s re-plans so every kernel binds at most 4 storage buffers, and matches the reference', async (strategy) => {
    const four = await createRuntime({ limits: { maxStorageBuffersPerShaderStage: 4 } });
    try {
      const dims = { R: 19 };
      const plan = compile(wide, { dims, strategy, limits: four.limits });
      for (const k of plan.executable.kernels) expect(k.buffers.length, k.label).toBeLessThanOrEqual(4);
      const inputs = Object.fromEntries(names.map((n, q) => [n, ramp(19 * 33, (i) => Math.sin(i * (q + 1)))]));
      const { outputs } = await four.run(plan, inputs, { poison: true });
      const ref = evaluate(wide.ir, dims, inputs);
      for (const o of ['z', 's', 'm']) expect(compareToReference(outputs[o]!, ref[o]!).ok, o).toBe(true);
    } finally {
      four.destroy();
    }
  });
});

describe('maxComputeWorkgroupStorageSize', () => {
  const zoo = [
    model('mlp', { x: f32(['B', 64]), w: f32([64, 96]) }, ({ x, w }) => ({ y: x.matmul(w).relu() })),
    model('sm', { x: f32(['B', 4096]) }, ({ x }) => ({ y: softmax(x) })),
    model('norms', { x: f32(['B', 3000]) }, ({ x }) => ({ s: x.sum(1), m: x.max(1), q: x.mul(x).sum(1) })),
  ];

  it('no kernel of the zoo declares more workgroup memory than the device allows', () => {
    for (const m of zoo) {
      for (const strategy of STRATEGIES) {
        for (const B of [1, 3, 300]) {
          const plan = compile(m, { dims: { B }, strategy, limits: gpu.limits });
          for (const k of plan.executable.kernels) {
            expect(k.workgroupBytes, k.label).toBeTypeOf('number');
            expect(k.workgroupBytes, k.label).toBeLessThanOrEqual(gpu.limits.maxComputeWorkgroupStorageSize);
          }
        }
      }
    }
  });

  it('a tiled matmul (4 KiB of tiles) is rejected under a 2 KiB limit with FuseplanError(limit)', () => {
    const e = catchFuseplanError(() => compile(zoo[0]!, { dims: { B: 128 }, limits: { ...gpu.limits, maxComputeWorkgroupStorageSize: 2048 } }));
    expect(e.code).toBe('limit');
    expect(e.message).toMatch(/4096 bytes of workgroup memory.*2048/);
  });
});

