/**
 * Issue 7, part 5: user-chosen names (inputs, outputs, the model, symbolic dims) never reach the
 * WGSL: the kernels of a model with hostile names are byte-for-byte those of the same model with
 * plain names, and they compile and run. Names that are JavaScript object keys with special
 * meaning (`__proto__`, `constructor`) work as inputs, outputs and dims. DOT output stays valid.
 */
import { instance } from '@viz-js/viz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompiledModel } from '../../src/api/compile.js';
import { f32, model, type AnyModel, type InputSpec } from '../../src/dsl/index.js';
import { evaluate } from '../../src/reference/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { viewerDot } from '../../src/explain/dot.js';

/** Words the generated WGSL itself uses; for these the identical-WGSL check is the test. */
const OURS = new Set(['fn', 'var', 'main', 'b0', 'U']);

const HOSTILE = [
  'fn',
  'var',
  'main',
  'b0', // the generated name of a binding
  'U', // the generated name of the uniform block
  '*/',
  '/*',
  '// x',
  'a\nb',
  '"quoted" \\ back',
  '}); fn evil() {',
  '∑x',
  'é',
  '🙂',
  'x'.repeat(10_000),
  '__proto__',
  'constructor',
  'toString',
];

/** { [name]: value } as an own property, whatever the name (a literal `__proto__:` sets the prototype). */
const rec = <T,>(entries: [string, T][]): Record<string, T> => Object.fromEntries(entries);

/** y = softmax-ish row program, a matmul and a reduction over inputs named `a` and `b`. */
function build(name: string, a: string, b: string, y: string, s: string): AnyModel {
  const specs: Record<string, InputSpec> = rec<InputSpec>([[a, f32(['N', 8])], [b, f32([8, 8])]]);
  return model(name, specs, (t) => {
    const x = t[a]!;
    const w = t[b]!;
    const h = x.matmul(w).relu();
    return rec([
      [y, h.sub(h.max(1, { keepDims: true })).exp()],
      [s, x.mul(x).sum(1)],
    ]);
  });
}

let gpu: Runtime;
let plain: Record<string, CompiledModel>;
const dims = { N: 5 };
const xs = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
const ws = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i) / 4);
beforeAll(async () => {
  gpu = await createRuntime();
  const m = build('plain', 'a', 'b', 'y', 's');
  plain = { cost: compile(m, { dims, limits: gpu.limits }), none: compile(m, { dims, strategy: 'none', limits: gpu.limits }) };
});
afterAll(() => gpu?.destroy());

describe('hostile names', () => {
  it.each(HOSTILE.map((n) => [JSON.stringify(n).slice(0, 40), n]))('%s as input, output and model name', async (_, name) => {
    const other = `${name}2`;
    const m = build(name, name, other, name, `${name}_sum`);
    const ref = evaluate(m.ir, dims, rec([[name, xs], [other, ws]]));
    for (const strategy of ['cost', 'none'] as const) {
      const plan = compile(m, { dims, strategy, limits: gpu.limits });
      // Names have no influence on the generated code at all.
      expect(plan.executable.kernels.map((k) => k.wgsl)).toEqual(plain[strategy]!.executable.kernels.map((k) => k.wgsl));
      for (const k of plan.executable.kernels) {
        if (!OURS.has(name)) expect(k.wgsl.includes(name)).toBe(false);
        if (!OURS.has(name)) expect(k.label.includes(name)).toBe(false);
      }
      const { outputs } = await gpu.run(plan, rec([[name, xs], [other, ws]]));
      expect(Object.keys(outputs).sort()).toEqual([name, `${name}_sum`].sort());
      expect(Object.getPrototypeOf(outputs)).toBe(Object.prototype);
      const y = outputs[name]!;
      expect(y).toBeInstanceOf(Float32Array);
      for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(ref[name]!.data[i]!, 5);
      expect(outputs[`${name}_sum`]![0]).toBeCloseTo(ref[`${name}_sum`]!.data[0]!, 4);
    }
  });

  it('symbolic dims named __proto__, constructor and toString bind, and unbound ones are reported', async () => {
    for (const d of ['__proto__', 'constructor', 'toString']) {
      const m = model('d', { x: f32([d, 2]) }, ({ x }) => ({ y: x.add(1) }));
      expect(() => compile(m)).toThrow(`symbolic dim '${d}' (used by input 'x') is not bound`);
      const plan = compile(m, { dims: rec([[d, 3]]), limits: gpu.limits });
      const { outputs } = await gpu.run(plan, { x: new Float32Array(6) });
      expect(Array.from(outputs.y!)).toEqual([1, 1, 1, 1, 1, 1]);
    }
  });
});

describe('DOT output', () => {
  it('explain("dot") and the viewer DOT stay valid Graphviz with quotes, backslashes and newlines in names', async () => {
    const viz = await instance();
    for (const name of ['"quoted" \\ back', 'a\nb', '}; digraph x {', '🙂', '\\"']) {
      const plan = compile(build(name, name, `${name}2`, name, `${name}_sum`), { dims });
      for (const dot of [plan.explain('dot'), viewerDot(plan.plan)]) {
        const r = viz.render(dot, { format: 'svg' });
        expect(r.status, `${JSON.stringify(name)}: ${JSON.stringify(r.errors)}`).toBe('success');
        expect(r.errors.filter((e) => e.level === 'error')).toEqual([]);
      }
    }
  });
});
