/**
 * f16 storage in codegen: kernels binding an f16 buffer start with `enable f16;`, declare it with
 * f16 elements (vec4<f16> on the vector path), convert at every load (f16_load) and store
 * (f16_store), and keep arithmetic f32; f16 tensors take 2 bytes per element in the memory plan
 * (rounded up to 4 bytes). Kernels that bind no f16 buffer are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompiledModel } from '../../src/api/compile.js';
import { f32, materialize, model } from '../../src/dsl/index.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

const budget = (names: readonly string[]) => ({ maxRelError: 0.1, inputRanges: Object.fromEntries(names.map((n) => [n, [-1, 1] as [number, number]])) });
const f16Node = (c: CompiledModel): number => c.plan.precision!.choices.find((x) => x.storage === 'f16')!.node;
const bufferOf = (c: CompiledModel, node: number) => c.executable.buffers.find((b) => b.kind === 'intermediate' && b.label.split(' | ').includes(`%${node}`))!;

const vec = model('vec', { x: f32([64, 64]) }, ({ x }) => {
  const h = materialize(x.mul(x).add(1).tanh());
  return { a: h.add(x), b: h.mul(x) };
});
const odd = model('odd', { x: f32([3, 5]) }, ({ x }) => {
  const h = materialize(x.sigmoid().mul(2));
  return { a: h.add(x), b: h.mul(x).add(0.5) };
});

describe('f16 codegen', () => {
  it('vector path: vec4<f16> buffers, converted at the store and the load, enable f16 only where bound', () => {
    const c = compile(vec, { precision: budget(['x']) });
    const [writer, reader] = c.executable.kernels;
    expect(writer!.wgsl.startsWith('enable f16;\n')).toBe(true);
    expect(writer!.wgsl).toMatch(/var<storage, read_write> o0: array<vec4<f16>>;/);
    expect(writer!.wgsl).toMatch(/o0\[i\] = f16x4_store\(/);
    expect(reader!.wgsl).toMatch(/var<storage, read> (b\d): array<vec4<f16>>;[\s\S]*f16x4_load\(\1\[i\]\)/);
    // The model outputs stay f32.
    expect(reader!.wgsl).toMatch(/var<storage, read_write> o0: array<vec4<f32>>;/);
    expect(bufferOf(c, f16Node(c)).bytes).toBe(64 * 64 * 2);
    const plain = compile(vec);
    expect(plain.executable.kernels.every((k) => !k.wgsl.includes('f16'))).toBe(true);
    expect(bufferOf(plain, f16Node(c)).bytes).toBe(64 * 64 * 4);
  });

  it('scalar path: array<f16> with f16_load loads and f16_store stores; an odd element count is padded to 4 bytes', () => {
    const c = compile(odd, { precision: budget(['x']) });
    const [writer, reader] = c.executable.kernels;
    expect(writer!.wgsl).toMatch(/var<storage, read_write> o0: array<f16>;/);
    expect(writer!.wgsl).toMatch(/o0\[i\] = f16_store\(/);
    expect(reader!.wgsl).toMatch(/var<storage, read> (b\d): array<f16>;[\s\S]*f16_load\(\1\[i\]\)/);
    expect(bufferOf(c, f16Node(c)).bytes).toBe(32);
  });

  it('matmul epilogues store f16 (a materialized product feeding two consumers)', () => {
    const m = model('mm', { x: f32([32, 16]), w: f32([16, 32]) }, ({ x, w }) => {
      const h = materialize(x.matmul(w).mul(0.25));
      return { a: h.add(1), b: h.mul(h.add(2)) };
    });
    const c = compile(m, { precision: budget(['x', 'w']) });
    const mm = c.executable.kernels.find((k) => k.wgsl.includes('var<workgroup>') || /matmul/.test(k.label))!;
    expect(c.plan.ops.find((o) => o.outputs.includes(f16Node(c)))!.template).toBe('matmul');
    expect(mm.wgsl.startsWith('enable f16;')).toBe(true);
    expect(mm.wgsl).toMatch(/o0\[[^\]]+\] = f16_store\(/);
  });
});

describe('f16 kernels on the device', () => {
  let gpu: Runtime;
  beforeAll(async () => {
    gpu = await createRuntime();
  });
  afterAll(() => gpu?.destroy());

  it.each([
    ['vec', vec],
    ['odd', odd],
  ] as const)('%s: outputs within the f32 allowance plus the planned f16 error', async (_name, m) => {
    const c = compile(m, { runtime: gpu, precision: budget(['x']) });
    expect(c.plan.precision!.choices.some((x) => x.storage === 'f16')).toBe(true);
    const n = c.executable.inputs[0]!.length;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
    const { outputs } = await gpu.run(c, { x });
    const ref = evaluate(c.model, c.dims, { x });
    const f32Out = (await gpu.run(compile(m, { runtime: gpu }), { x })).outputs;
    for (const o of c.plan.precision!.outputs) {
      const want = ref[o.name]!;
      // Widen each element's f32 bound by the planned f16 error (compareToReference doubles it).
      const c2 = compareToReference(outputs[o.name]!, { ...want, bound: want.bound.map((b) => b + o.addedError / 2) });
      expect(c2.ok, `${o.name}: ${JSON.stringify(c2.mismatches)}`).toBe(true);
      // And f16 storage did change something: the result is not the all-f32 plan's bit for bit.
      expect(outputs[o.name]!.some((v, i) => v !== f32Out[o.name]![i])).toBe(true);
    }
  });

  it('the bit conversions round to the nearest f16 (ties away from zero), keep signs, and reach 65504 and subnormals', async () => {
    const m = model('round', { x: f32([1024]) }, ({ x }) => {
      const h = materialize(x.neg());
      return { a: h.neg(), b: h.mul(2) };
    });
    const c = compile(m, { runtime: gpu, precision: { maxRelError: 0.5, inputRanges: { x: [-65000, 65000] } } });
    expect(c.plan.precision!.choices[0]!.storage).toBe('f16');
    const special = [0, -0, 1, -1, 65000, -65000, 65504 / (1 + 2 ** -10), 2 ** -14, 2 ** -24, 3 * 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -12, 0.1, -1234.5678];
    const x = Float32Array.from({ length: 1024 }, (_, i) => special[i] ?? Math.sinh(i / 100) * (i % 2 ? -1 : 1));
    const { outputs } = await gpu.run(c, { x });
    const toF16 = (v: number): number => {
      const a = Math.abs(v);
      const q = a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
      return Math.sign(v) * Math.floor(a / q + 0.5) * q;
    };
    for (let i = 0; i < x.length; i++) {
      const want = toF16(x[i]!);
      const got = outputs.a![i]!;
      // A device may flush f16 subnormals (and the f32 subnormals the conversion passes through).
      if (Math.abs(x[i]!) < 2 ** -14 && got === 0) continue;
      expect(got, `x = ${x[i]}`).toBe(want === 0 ? got : want);
      if (want === 0) expect(got).toBe(0);
    }
  });
});
