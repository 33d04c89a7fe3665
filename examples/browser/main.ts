// The browser example: the library's browser entry (no Dawn, no Node APIs), a model compiled in
// the page, run on navigator.gpu and checked against the float64 reference interpreter.
import { compareToReference, compile, createRuntime, evaluate, randomInputs, toIR, type CompileOptions } from '../../src/browser.js';
import normBlock, { dims as defaultDims } from '../norm-block.js';

/** What the page reports in #status's data-result (the browser test reads it). */
export interface BrowserResult {
  readonly model: string;
  readonly strategy: string;
  readonly dims: Record<string, number>;
  readonly adapter: string;
  readonly kernels: number;
  readonly outputs: { readonly name: string; readonly shape: readonly number[]; readonly errorVsBound: number; readonly ok: boolean }[];
}

const el = (id: string): HTMLElement => document.getElementById(id)!;

async function main(): Promise<BrowserResult> {
  const q = new URLSearchParams(location.search);
  const strategy = (q.get('strategy') ?? 'cost') as NonNullable<CompileOptions['strategy']>;
  const dims = { ...defaultDims, ...(q.has('T') ? { T: Number(q.get('T')) } : {}) };
  const gpu = await createRuntime();
  try {
    const compiled = compile(normBlock, { dims, strategy, limits: gpu.limits });
    el('plan').textContent = compiled.explain();
    const ir = toIR(normBlock);
    const inputs = randomInputs(ir, dims, 7);
    const { outputs } = await gpu.run(compiled, inputs);
    const ref = evaluate(ir, dims, inputs);
    const a = gpu.adapterInfo;
    return {
      model: ir.name,
      strategy,
      dims,
      adapter: [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / '),
      kernels: compiled.executable.kernels.length,
      outputs: ir.outputs.map((o) => {
        const c = compareToReference(outputs[o.name]!, ref[o.name]!);
        return { name: o.name, shape: ref[o.name]!.shape, errorVsBound: c.worst, ok: c.ok };
      }),
    };
  } finally {
    gpu.destroy();
  }
}

const status = el('status');
main().then(
  (r) => {
    const rows = r.outputs.map((o) => `<tr><td>${o.name}</td><td>[${o.shape.join(', ')}]</td><td class="err">${o.errorVsBound.toExponential(2)}</td><td>${o.ok ? 'ok' : 'MISMATCH'}</td></tr>`);
    el('result').innerHTML = `<p>${r.model}, strategy ${r.strategy}, dims ${JSON.stringify(r.dims)}, ${r.kernels} kernels on ${r.adapter || 'an unnamed adapter'}</p>
      <table><tr><th>output</th><th>shape</th><th>error / bound</th><th></th></tr>${rows.join('')}</table>`;
    status.textContent = r.outputs.every((o) => o.ok) ? 'done: every output matches the float64 reference' : 'done: MISMATCH';
    status.dataset.result = JSON.stringify(r);
    status.dataset.status = 'done';
  },
  (e: unknown) => {
    status.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
    status.dataset.status = 'error';
  },
);
