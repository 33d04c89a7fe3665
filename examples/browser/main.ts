// The browser example: the library's browser entry (no Dawn, no Node APIs), a model compiled in
// the page for its GPU, run on navigator.gpu with the weights (gamma, beta) uploaded once and kept
// resident across runs, and every run checked against the float64 reference interpreter.
import { compareToReference, compile, createRuntime, evaluate, randomInputs, toIR, type CompileOptions } from '../../src/browser.js';
import normBlock, { dims as defaultDims } from '../norm-block.js';

/** What the page reports in #status's data-result (the browser test reads it). */
export interface BrowserResult {
  readonly model: string;
  readonly strategy: string;
  readonly dims: Record<string, number>;
  readonly adapter: string;
  readonly kernels: number;
  /** Runs made with the same resident weights (each with fresh activations). */
  readonly runs: number;
  readonly residentInputs: readonly string[];
  /** GPU buffers still in use after the weights were disposed (0 unless something leaked). */
  readonly liveAfterDispose: number;
  /** Worst error of each output over all runs. */
  readonly outputs: { readonly name: string; readonly shape: readonly number[]; readonly errorVsBound: number; readonly ok: boolean }[];
}

const el = (id: string): HTMLElement => document.getElementById(id)!;

async function main(): Promise<BrowserResult> {
  const q = new URLSearchParams(location.search);
  const strategy = (q.get('strategy') ?? 'cost') as NonNullable<CompileOptions['strategy']>;
  const dims = { ...defaultDims, ...(q.has('T') ? { T: Number(q.get('T')) } : {}) };
  const gpu = await createRuntime();
  try {
    // Planned for this runtime: its limits and the generic profile for its kind of adapter.
    const compiled = compile(normBlock, { dims, strategy, runtime: gpu });
    el('plan').textContent = compiled.explain();
    const ir = toIR(normBlock);
    const weights = randomInputs(ir, dims, 7);
    const resident = { gamma: await gpu.upload(weights.gamma!, [96]), beta: await gpu.upload(weights.beta!, [96]) };
    const worst = new Map<string, { shape: readonly number[]; errorVsBound: number; ok: boolean }>();
    const RUNS = 2;
    for (let run = 0; run < RUNS; run++) {
      const { x, r } = randomInputs(ir, dims, 100 + run);
      const { outputs } = await gpu.run(compiled, { x: x!, r: r!, ...resident });
      const ref = evaluate(ir, dims, { x: x!, r: r!, gamma: weights.gamma!, beta: weights.beta! });
      for (const o of ir.outputs) {
        const c = compareToReference(outputs[o.name]!, ref[o.name]!);
        const prev = worst.get(o.name);
        worst.set(o.name, { shape: ref[o.name]!.shape, errorVsBound: Math.max(prev?.errorVsBound ?? 0, c.worst), ok: (prev?.ok ?? true) && c.ok });
      }
    }
    resident.gamma.dispose();
    resident.beta.dispose();
    const a = gpu.adapterInfo;
    return {
      model: ir.name,
      strategy,
      dims,
      adapter: [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / '),
      kernels: compiled.executable.kernels.length,
      runs: RUNS,
      residentInputs: Object.keys(resident),
      liveAfterDispose: gpu.stats().liveBuffers,
      outputs: ir.outputs.map((o) => ({ name: o.name, ...worst.get(o.name)! })),
    };
  } finally {
    gpu.destroy();
  }
}

const status = el('status');
main().then(
  (r) => {
    const rows = r.outputs.map((o) => `<tr><td>${o.name}</td><td>[${o.shape.join(', ')}]</td><td class="err">${o.errorVsBound.toExponential(2)}</td><td>${o.ok ? 'ok' : 'MISMATCH'}</td></tr>`);
    el('result').innerHTML = `<p>${r.model}, strategy ${r.strategy}, dims ${JSON.stringify(r.dims)}, ${r.kernels} kernels on ${r.adapter || 'an unnamed adapter'}; ${r.runs} runs with ${r.residentInputs.join(', ')} resident</p>
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
