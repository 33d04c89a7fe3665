/**
 * Resident tensors on lavapipe: uploaded once and fed to many runs, outputs kept on the GPU and
 * read on demand, deterministic release, and the errors for misuse (disposed, wrong size or
 * shape, another runtime's tensor).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, model } from '../../src/dsl/index.js';
import { FuseplanError } from '../../src/ir/errors.js';
import { createRuntime, GpuTensor, type Runtime } from '../../src/runtime/index.js';

const affine = model('affine', { x: f32([2, 4]), w: f32([4, 3]), b: f32([3]) }, ({ x, w, b }) => ({
  y: x.matmul(w).add(b),
  s: x.sum(),
}));
// y = x * 2 + 1 and its sum: used to chain a GPU output into a second model.
const twice = model('twice', { y: f32([2, 3]) }, ({ y }) => ({ z: y.mul(2).add(1), t: y.sum() }));

const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const w = Float32Array.from({ length: 12 }, (_, i) => (i % 3) - 1);
const b = Float32Array.from([10, 20, 30]);

/** y = x @ w + b in float64, as the expectation. */
function affineRef(xs: Float32Array): number[] {
  const out: number[] = [];
  for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) {
    let acc = 0;
    for (let k = 0; k < 4; k++) acc += xs[r * 4 + k]! * w[k * 3 + c]!;
    out.push(acc + b[c]!);
  }
  return out;
}

let rt: Runtime;
let plan: ReturnType<typeof compile>;

beforeAll(async () => {
  rt = await createRuntime();
  plan = compile(affine, { limits: rt.limits });
});

afterAll(() => rt?.destroy());

async function rejection(p: Promise<unknown>): Promise<FuseplanError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(FuseplanError);
  return e as FuseplanError;
}

describe('resident inputs', () => {
  it('uploads weights once and feeds them to many runs mixed with host inputs', async () => {
    const base = rt.stats();
    const wt = await rt.upload(w, [4, 3]);
    const bt = await rt.upload(b);
    expect(wt).toBeInstanceOf(GpuTensor);
    expect(wt.shape).toEqual([4, 3]);
    expect(bt.shape).toEqual([3]);
    expect(rt.stats().tensors).toBe(base.tensors + 2);
    for (let i = 0; i < 3; i++) {
      const xi = x.map((v) => v + i);
      const { outputs } = await rt.run(plan, { x: xi, w: wt, b: bt });
      expect(Array.from(outputs.y!)).toEqual(affineRef(xi));
    }
    expect(Array.from(await wt.read())).toEqual(Array.from(w));
    wt.dispose();
    bt.dispose();
    bt.dispose(); // idempotent
    expect(wt.disposed).toBe(true);
    expect(rt.stats().liveBuffers).toBe(base.liveBuffers);
    expect(rt.stats().tensors).toBe(base.tensors);
  });

  it('rejects a disposed tensor, naming the input, on a run and on read()', async () => {
    const wt = await rt.upload(w, [4, 3]);
    wt.dispose();
    const e = await rejection(rt.run(plan, { x, w: wt, b }));
    expect(e.code).toBe('input');
    expect(e.message).toMatch(/"w".*disposed/);
    expect((await rejection(wt.read())).message).toMatch(/after dispose/);
  });

  it('rejects a tensor of another size or shape, naming the input', async () => {
    const flat = await rt.upload(w); // no shape given: only the length must match
    const wrongShape = await rt.upload(w, [3, 4]);
    const wrongSize = await rt.upload(b, [3]);
    try {
      const { outputs } = await rt.run(plan, { x, w: flat, b });
      expect(Array.from(outputs.y!)).toEqual(affineRef(x));
      const shape = await rejection(rt.run(plan, { x, w: wrongShape, b }));
      expect(shape.code).toBe('input');
      expect(shape.message).toMatch(/input "w": expected shape \[4, 3\], got a GPU tensor of shape \[3, 4\]/);
      const size = await rejection(rt.run(plan, { x, w: wrongSize, b }));
      expect(size.message).toMatch(/input "w": expected 12 elements .* got a GPU tensor of 3/);
    } finally {
      for (const t of [flat, wrongShape, wrongSize]) t.dispose();
    }
  });

  it('rejects a tensor of another runtime', async () => {
    const other = await createRuntime();
    try {
      const foreign = await other.upload(w, [4, 3]);
      const e = await rejection(rt.run(plan, { x, w: foreign, b }));
      expect(e.code).toBe('input');
      expect(e.message).toMatch(/"w": the GPU tensor belongs to another runtime/);
    } finally {
      other.destroy();
    }
  });

  it('checks upload arguments', async () => {
    await expect(rt.upload(w, [5, 3])).rejects.toMatchObject({ code: 'input', message: expect.stringMatching(/shape \[5, 3\] does not hold 12/) });
    await expect(rt.upload([1, 2] as unknown as Float32Array)).rejects.toMatchObject({ code: 'input' });
  });
});

describe('outputs kept on the GPU', () => {
  it("outputs: 'gpu' returns tensors without reading back; read() gives the values", async () => {
    const base = rt.stats();
    const { outputs, gpu } = await rt.run(plan, { x, w, b }, { outputs: 'gpu' });
    expect(Object.keys(outputs)).toEqual([]);
    expect(gpu!.y!.shape).toEqual([2, 3]);
    expect(gpu!.s!.shape).toEqual([]);
    expect(Array.from(await gpu!.y!.read())).toEqual(affineRef(x));
    expect(Array.from(await gpu!.s!.read())).toEqual([36]);
    gpu!.y!.dispose();
    gpu!.s!.dispose();
    expect(rt.stats().liveBuffers).toBe(base.liveBuffers);
  });

  it('per output: the named one stays on the GPU, the rest are read back', async () => {
    const { outputs, gpu } = await rt.run(plan, { x, w, b }, { outputs: { y: 'gpu' } });
    expect(Object.keys(outputs)).toEqual(['s']);
    expect(Object.keys(gpu!)).toEqual(['y']);
    gpu!.y!.dispose();
    await expect(rt.run(plan, { x, w, b }, { outputs: { nope: 'gpu' } })).rejects.toMatchObject({ code: 'input', message: expect.stringContaining("unknown output 'nope'") });
  });

  it('a kept output is not a pooled buffer: later runs of the same plan do not overwrite it', async () => {
    const first = await rt.run(plan, { x, w, b }, { outputs: 'gpu' });
    const later = x.map((v) => -v);
    for (let i = 0; i < 3; i++) await rt.run(plan, { x: later, w, b });
    const again = await rt.run(plan, { x: later, w, b }, { outputs: 'gpu' });
    expect(Array.from(await first.gpu!.y!.read())).toEqual(affineRef(x));
    expect(Array.from(await again.gpu!.y!.read())).toEqual(affineRef(later));
    for (const t of [...Object.values(first.gpu!), ...Object.values(again.gpu!)]) t.dispose();
  });

  it('a disposed output goes back to the pool, and a later kept run reuses it', async () => {
    const first = await rt.run(plan, { x, w, b }, { outputs: 'gpu' });
    const kept = rt.stats();
    for (const t of Object.values(first.gpu!)) t.dispose();
    expect(rt.stats()).toMatchObject({ liveBuffers: kept.liveBuffers - 2, pooledBuffers: kept.pooledBuffers + 2 });
    const base = rt.stats();
    const later = x.map((v) => -v);
    for (let i = 0; i < 5; i++) {
      const { gpu } = await rt.run(plan, { x: later, w, b }, { outputs: 'gpu' });
      // The reused buffer held the first run's values; the run overwrote every element.
      expect(Array.from(await gpu!.y!.read())).toEqual(affineRef(later));
      for (const t of Object.values(gpu!)) t.dispose();
    }
    // No buffer was created or lost in the loop: each run took the previous run's from the pool.
    expect(rt.stats()).toEqual(base);
  });

  it("chains models on the GPU: one model's output is the next one's input", async () => {
    const next = compile(twice, { limits: rt.limits });
    const { gpu } = await rt.run(plan, { x, w, b }, { outputs: { y: 'gpu' } });
    const { outputs } = await rt.run(next, { y: gpu!.y! });
    expect(Array.from(outputs.z!)).toEqual(affineRef(x).map((v) => v * 2 + 1));
    gpu!.y!.dispose();
  });

  it('an output that lives in an input buffer (a reshape) is copied: disposing the input leaves it intact', async () => {
    const view = model('view', { v: f32([2, 3]) }, ({ v }) => ({ r: v.reshape([3, 2]), e: v.add(1) }));
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    for (const strategy of ['none', 'cost'] as const) {
      const p = compile(view, { strategy, limits: rt.limits });
      const r = p.executable.outputs.find((o) => o.name === 'r')!;
      expect(p.executable.buffers.find((bs) => bs.id === r.buffer)!.kind).toBe('input');
      const v = await rt.upload(values, [2, 3]);
      const { gpu } = await rt.run(p, { v }, { outputs: 'gpu' });
      v.dispose();
      expect(gpu!.r!.shape).toEqual([3, 2]);
      expect(Array.from(await gpu!.r!.read())).toEqual(Array.from(values));
      expect(Array.from(await gpu!.e!.read())).toEqual(Array.from(values, (x) => x + 1));
      for (const t of Object.values(gpu!)) t.dispose();
    }
  });

  it('destroy() releases every tensor; using one afterwards is a typed error', async () => {
    const own = await createRuntime();
    const p = compile(affine, { limits: own.limits });
    const wt = await own.upload(w, [4, 3]);
    const { gpu } = await own.run(p, { x, w: wt, b }, { outputs: 'gpu' });
    expect(own.stats().tensors).toBe(3);
    own.destroy();
    expect(wt.disposed).toBe(true);
    expect(gpu!.y!.disposed).toBe(true);
    expect((await rejection(gpu!.y!.read())).message).toMatch(/after dispose/);
    wt.dispose(); // still harmless
  });
});
