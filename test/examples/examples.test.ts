// Every example model (examples/*.ts, default export + `dims`), with every strategy: compiled, run on
// the GPU and compared with the float64 reference. The number of kernels each plan launches is
// pinned (a regression check on plan structure: if a planner or codegen change moves one of these
// numbers, look at `fuseplan explain` for that example and update the table on purpose). With
// uniform indexing a second value of the symbolic dim must reuse every cached pipeline (sizes
// travel in uniforms); with literal indexing (the default) it gets kernels of its own.
//
// Plans are made for the WebGPU default limits (8 storage buffers per stage, ...), which every
// device meets, so the pinned numbers do not depend on the adapter the tests run on.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, STRATEGIES, toIR, type ModelLike, type Strategy } from '../../src/api/compile.js';
import { randomInputs } from '../../src/api/random-inputs.js';
import type { Dims } from '../../src/ir/model.js';
import { compareToReference } from '../../src/reference/compare.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../../src/cost/profile.js';
import { createRuntime, WEBGPU_DEFAULT_LIMITS, type Runtime } from '../../src/runtime/index.js';

/** Kernels launched per run, by example and strategy (observed; see the header comment). */
const KERNELS: Readonly<Record<string, Readonly<Record<Strategy, number>>>> = {
  autoencoder: { none: 16, 'fuse-all': 6, 'fuse-no-redundancy': 6, cost: 6 },
  kmeans: { none: 19, 'fuse-all': 9, 'fuse-no-redundancy': 11, cost: 11 },
  'l2svm-step': { none: 18, 'fuse-all': 5, 'fuse-no-redundancy': 6, cost: 5 },
  l2svm: { none: 6, 'fuse-all': 2, 'fuse-no-redundancy': 2, cost: 2 },
  mlogreg: { none: 24, 'fuse-all': 9, 'fuse-no-redundancy': 12, cost: 10 },
  'mlp-classifier': { none: 23, 'fuse-all': 4, 'fuse-no-redundancy': 8, cost: 5 },
  mlp: { none: 14, 'fuse-all': 2, 'fuse-no-redundancy': 2, cost: 2 },
  'norm-block': { none: 17, 'fuse-all': 1, 'fuse-no-redundancy': 5, cost: 1 },
  transformer: { none: 50, 'fuse-all': 14, 'fuse-no-redundancy': 14, cost: 12 },
};

/**
 * A second binding of each example's symbolic dim. Codegen specializes some kernels on sizes (the
 * row template's lanes per row on the row count, the unfused reductions on their length) and the
 * cost-based plan may change with the sizes, so these are values in the same class as `dims`
 * (doubling T in norm-block, for example, halves the row template's lanes per row).
 */
const OTHER_DIMS: Readonly<Record<string, Dims>> = {
  autoencoder: { B: 192 },
  kmeans: { N: 1536 },
  'l2svm-step': { N: 2000 },
  l2svm: { N: 2000 },
  mlogreg: { N: 750 },
  'mlp-classifier': { B: 512 },
  mlp: { B: 128 },
  'norm-block': { T: 192 },
  transformer: { T: 56 },
};

interface Example {
  readonly name: string;
  readonly model: ModelLike;
  readonly dims: Dims;
}

const dir = new URL('../../examples/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'demo.ts')
  .sort();
const examples: Example[] = [];
for (const f of files) {
  const mod = (await import(/* @vite-ignore */ new URL(f, dir).href)) as { default: ModelLike; dims?: Dims };
  examples.push({ name: f.replace(/\.ts$/, ''), model: mod.default, dims: mod.dims ?? {} });
}

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime({ limits: WEBGPU_DEFAULT_LIMITS });
});
afterAll(() => gpu?.destroy());

/** Compiles and runs one (example, strategy, dims); checks every output; returns the kernel count. */
async function check(ex: Example, strategy: Strategy, dims: Dims, profile?: DeviceProfile): Promise<number> {
  const ir = toIR(ex.model);
  // The pinned counts are for the lavapipe profile, whatever adapter runs them.
  const compiled = compile(ex.model, { dims, strategy, limits: gpu.limits, profile: profile ?? DEFAULT_PROFILE });
  const inputs = randomInputs(ir, dims, 11);
  const { outputs } = await gpu.run(compiled, inputs);
  const ref = evaluate(ir, dims, inputs);
  for (const o of ir.outputs) {
    const c = compareToReference(outputs[o.name]!, ref[o.name]!);
    expect(c.ok, `${ex.name} ${strategy} ${JSON.stringify(dims)} output '${o.name}': max rel err ${c.maxRelErr}, first mismatches ${JSON.stringify(c.mismatches)}`).toBe(true);
  }
  return compiled.executable.kernels.length;
}

/** A plan's operators (template and members), to tell whether two bindings get the same plan. */
const withIndexing = (indexing: 'literal' | 'uniform'): DeviceProfile => ({ ...DEFAULT_PROFILE, kernels: { ...DEFAULT_PROFILE.kernels, indexing } });

const structure = (ex: Example, strategy: Strategy, dims: Dims, profile: DeviceProfile): string =>
  compile(ex.model, { dims, strategy, limits: WEBGPU_DEFAULT_LIMITS, profile })
    .plan.ops.map((o) => `${o.template}[${o.members.join(',')}]`)
    .join(' ');

describe('examples', () => {
  it('every example file has a default model export, dims, a pinned kernel table and a second dim binding', () => {
    expect(examples.map((e) => e.name).sort()).toEqual(Object.keys(KERNELS).sort());
    for (const e of examples) {
      expect(Object.keys(e.dims).length, e.name).toBeGreaterThan(0);
      expect(Object.keys(OTHER_DIMS[e.name] ?? {}).sort(), e.name).toEqual(Object.keys(e.dims).sort());
    }
  });

  for (const ex of examples) {
    describe(ex.name, () => {
      it('matches the float64 reference with every strategy and launches the pinned number of kernels', async () => {
        const kernels: Partial<Record<Strategy, number>> = {};
        for (const s of STRATEGIES) kernels[s] = await check(ex, s, ex.dims);
        expect(kernels).toEqual(KERNELS[ex.name]);
        // Fusion never launches more kernels than one per primitive op.
        for (const s of STRATEGIES) expect(kernels[s]).toBeLessThanOrEqual(kernels.none!);
      });

      it('reuses the cached pipelines for another value of its symbolic dim with uniform indexing', async () => {
        const other = OTHER_DIMS[ex.name]!;
        const profile = withIndexing('uniform');
        // The heuristic strategies' plans do not depend on sizes; the cost-based plan may (a
        // different plan has different kernels), so 'cost' is held to the rule only when its
        // operators are the same for both bindings.
        const same = STRATEGIES.filter((s) => structure(ex, s, ex.dims, profile) === structure(ex, s, other, profile));
        expect(same, `${ex.name}: plans that change with the dims`).toEqual(expect.arrayContaining(['none', 'fuse-all', 'fuse-no-redundancy']));
        for (const s of same) await check(ex, s, ex.dims, profile);
        const before = gpu.stats().pipelines;
        for (const s of same) await check(ex, s, other, profile);
        expect(gpu.stats().pipelines, `${ex.name}: new pipelines for dims ${JSON.stringify(other)} (${same.join(', ')})`).toBe(before);
      });

      it('specialises its kernels to the sizes with literal indexing (the default)', () => {
        const wgsl = (dims: Dims, indexing: 'literal' | 'uniform'): string[] =>
          compile(ex.model, { dims, strategy: 'fuse-all', limits: WEBGPU_DEFAULT_LIMITS, profile: withIndexing(indexing) }).executable.kernels.map((k) => k.wgsl);
        const other = OTHER_DIMS[ex.name]!;
        expect(wgsl(ex.dims, 'uniform')).toEqual(wgsl(other, 'uniform'));
        expect(wgsl(ex.dims, 'literal')).not.toEqual(wgsl(other, 'literal'));
        // Only float constants' bits still come from the uniform block.
        expect(wgsl(ex.dims, 'literal').join('\n').replace(/bitcast<f32>\(U\.v\[\d+\]\[\d+\]\)/g, '')).not.toContain('U.v[');
      });
    });
  }
});
