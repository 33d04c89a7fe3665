/**
 * The plan viewer: `fuseplan explain model.ts --format html -o plan.html`.
 *
 * The DAG is laid out by Graphviz (compiled to WebAssembly, the `@viz-js/viz` package) at build
 * time, in Node, and the SVG is inlined into one self-contained page with the plan's data and a
 * small script: clicking an operator shows its members, estimated cost, the decisions touching it
 * (with both alternatives' costs for decisions made by cost) and the WGSL of its kernels.
 *
 * `@viz-js/viz` (about 5 MB) is an optional peer dependency: without it the page has everything
 * but the drawn graph (the operator list, the details, the WGSL) and says how to add the drawing.
 */
import type { CompiledModel } from '../api/compile.js';
import { viewerData } from './data.js';
import { viewerDot } from '../explain/dot.js';
import { viewerPage } from './page.js';

type Viz = typeof import('@viz-js/viz');
type VizInstance = Awaited<ReturnType<Viz['instance']>>;

/** What to run to get the laid-out graph in the viewer. */
export const GRAPH_LAYOUT_HINT = 'the plan viewer draws the graph with Graphviz, an optional peer dependency of fuseplan that is not installed: npm install @viz-js/viz';

// A specifier in a variable: bundlers then leave this optional import alone instead of failing
// the build of an application that does not install it.
const VIZ_PACKAGE = '@viz-js/viz';
let viz: Promise<VizInstance | undefined> | undefined;

function loadViz(): Promise<VizInstance | undefined> {
  viz ??= (import(VIZ_PACKAGE) as Promise<Viz>).then(
    (m) => m.instance(),
    (e: unknown) => {
      const code = (e as { code?: unknown }).code;
      if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(VIZ_PACKAGE)) return undefined;
      throw e;
    },
  );
  return viz;
}

/** Whether the viewer can lay out the graph here (`@viz-js/viz` is installed). */
export async function graphLayoutAvailable(): Promise<boolean> {
  return (await loadViz()) !== undefined;
}

/** Renders DOT to an SVG element's markup (no XML prolog or doctype, ready to inline in HTML). */
async function dotToSvg(dot: string): Promise<string> {
  const instance = await loadViz();
  if (!instance) throw new Error(GRAPH_LAYOUT_HINT);
  const r = instance.render(dot, { format: 'svg', engine: 'dot' });
  if (r.status !== 'success') throw new Error(`graphviz failed: ${r.errors.map((e) => e.message).join('; ')}`);
  const at = r.output.indexOf('<svg');
  return (at >= 0 ? r.output.slice(at) : r.output).replace(/<!--[\s\S]*?-->\n?/g, '');
}

/** The plan of a compiled model as one self-contained HTML page (works offline, from file://). */
export async function explainHtml(compiled: CompiledModel): Promise<string> {
  const graph = (await graphLayoutAvailable()) ? await dotToSvg(viewerDot(compiled.plan)) : `<p class="no-graph">No graph drawn: ${GRAPH_LAYOUT_HINT.replace(/^the/, 'The')}.</p>`;
  return viewerPage(viewerData(compiled), graph);
}
