/**
 * The plan viewer: `fuseplan explain model.ts --format html -o plan.html`.
 *
 * The DAG is laid out by Graphviz (compiled to WebAssembly, the `@viz-js/viz` package) at build
 * time, in Node, and the SVG is inlined into one self-contained page with the plan's data and a
 * small script: clicking an operator shows its members, estimated cost, the decisions touching it
 * (with both alternatives' costs for decisions made by cost) and the WGSL of its kernels.
 */
import type { CompiledModel } from '../api/compile.js';
import { viewerData } from './data.js';
import { viewerDot } from '../explain/dot.js';
import { viewerPage } from './page.js';

type VizInstance = Awaited<ReturnType<typeof import('@viz-js/viz').instance>>;
let viz: Promise<VizInstance> | undefined;

/** Renders DOT to an SVG element's markup (no XML prolog or doctype, ready to inline in HTML). */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const r = (await viz).render(dot, { format: 'svg', engine: 'dot' });
  if (r.status !== 'success') throw new Error(`graphviz failed: ${r.errors.map((e) => e.message).join('; ')}`);
  const at = r.output.indexOf('<svg');
  return (at >= 0 ? r.output.slice(at) : r.output).replace(/<!--[\s\S]*?-->\n?/g, '');
}

/** The plan of a compiled model as one self-contained HTML page (works offline, from file://). */
export async function explainHtml(compiled: CompiledModel): Promise<string> {
  const svg = await dotToSvg(viewerDot(compiled.plan));
  return viewerPage(viewerData(compiled), svg);
}
