/**
 * The comparison's power, shown on bugs of the kind that slip through an absolute tolerance: each
 * case runs a subtly wrong model on the GPU and compares its outputs with the reference of the
 * right model. The per-element error bound must reject every one of them, while the tolerance the
 * project used before (|gpu - ref| <= 1e-4 * (|ref| + max(1, max |ref|))) accepts them; and the
 * right model passes under both, so the difference is power, not noise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, layerNorm, model } from '../../src/index.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate, type BoundedTensor } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import type { ModelIR } from '../../src/ir/model.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** The rule compare.ts applied before per-element bounds: effectively absolute 1e-4 for |ref| <= 1. */
function legacyOk(got: ArrayLike<number>, want: BoundedTensor): boolean {
  let scale = 1;
  for (const w of want.data) if (Number.isFinite(w)) scale = Math.max(scale, Math.abs(w));
  for (let i = 0; i < got.length; i++) if (Math.abs(got[i]! - want.data[i]!) > 1e-4 * (Math.abs(want.data[i]!) + scale)) return false;
  return true;
}

const seeded = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
const noise = (i: number): number => Math.sin(i * 12.9898 + 78.233) * 0.5;

interface Case {
  readonly name: string;
  readonly right: ModelIR;
  readonly wrong: ModelIR;
  readonly inputs: Record<string, Float32Array>;
}

const N = 64;
const CASES: readonly Case[] = [
  {
    // Layer norm scaled into small outputs (a gamma of 1e-3), with eps 1e-6 (the RMS norm default) where 1e-5 was meant.
    name: 'a wrong epsilon in a layer norm',
    right: model('ln', { x: f32([N, N]), g: f32([N]) }, ({ x, g }) => ({ y: layerNorm(x, g, undefined, 1e-5) })).ir,
    wrong: model('ln', { x: f32([N, N]), g: f32([N]) }, ({ x, g }) => ({ y: layerNorm(x, g, undefined, 1e-6) })).ir,
    inputs: { x: seeded(N * N, (i) => noise(i) * 0.05), g: seeded(N, () => 1e-3) },
  },
  {
    // A bias broadcast along the wrong axis: rows instead of columns, on large activations.
    name: 'a swapped broadcast axis',
    right: model('bias', { x: f32([N, N]), b: f32([N]) }, ({ x, b }) => ({ y: x.add(b.reshape([1, N])) })).ir,
    wrong: model('bias', { x: f32([N, N]), b: f32([N]) }, ({ x, b }) => ({ y: x.add(b.reshape([N, 1])) })).ir,
    inputs: { x: seeded(N * N, (i) => 100 + noise(i) * 50), b: seeded(N, (i) => noise(i + 7) * 2e-3) },
  },
  {
    // A reduction that drops the last element of each row (an off-by-one loop bound), on small terms.
    name: 'an off-by-one in a row sum',
    right: model('sum', { x: f32([N, N]), m: f32([N]) }, ({ x }) => ({ s: x.sum(-1) })).ir,
    wrong: model('sum', { x: f32([N, N]), m: f32([N]) }, ({ x, m }) => ({ s: x.mul(m).sum(-1) })).ir,
    inputs: { x: seeded(N * N, (i) => 1e-5 * (1.5 + noise(i))), m: seeded(N, (i) => (i === N - 1 ? 0 : 1)) },
  },
];

describe('seeded bugs: the per-element bound catches what an absolute tolerance misses', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ref = evaluate(c.right, {}, c.inputs);
      const run = async (m: ModelIR): Promise<Record<string, Float32Array>> =>
        (await gpu.run(compile(m, { limits: gpu.limits }), c.inputs)).outputs;
      const right = await run(c.right);
      const wrong = await run(c.wrong);
      for (const o of c.right.outputs) {
        const want = ref[o.name]!;
        expect(compareToReference(right[o.name]!, want).ok, 'the right model passes').toBe(true);
        expect(legacyOk(right[o.name]!, want), 'the right model passes the old tolerance').toBe(true);
        expect(legacyOk(wrong[o.name]!, want), 'the old tolerance misses the bug').toBe(true);
        const verdict = compareToReference(wrong[o.name]!, want);
        expect(verdict.ok, `the bound catches the bug (worst ${verdict.worst})`).toBe(false);
        expect(verdict.unbounded).toBe(0);
      }
    });
  }
});
