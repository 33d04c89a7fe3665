/**
 * The viewer's HTML: one self-contained page (inline CSS, inline SVG, inline script, the plan's
 * data as embedded JSON). Nothing is fetched, so it works from a file:// URL with no network.
 */
import type { Template } from '../plan/plan.js';
import { MATERIALIZED_FILL, OUTPUT_FILL, TEMPLATE_COLORS } from '../explain/dot.js';
import type { ViewerData } from './data.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON safe inside a <script> element: no `</script>`, no `<!--`, no U+2028/9 surprises. */
const scriptJSON = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
const fmtMs = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;display:flex;flex-direction:column;height:100vh}
header{padding:8px 14px;border-bottom:1px solid #ddd;background:#fafafa}
header h1{font-size:17px;margin:0 0 2px}
header .summary{color:#555}
.legend{display:flex;flex-wrap:wrap;gap:10px;margin-top:6px;font-size:12px;align-items:center}
.legend span.sw{display:inline-block;width:14px;height:14px;border:2px solid;border-radius:3px;vertical-align:middle;margin-right:4px}
.oplist{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}
.oplist button{font:12px monospace;border:1.5px solid;border-radius:4px;padding:1px 6px;cursor:pointer}
.oplist button.selected{outline:2px solid #222}
main{flex:1;display:flex;min-height:0}
#graph{flex:1.4;overflow:auto;border-right:1px solid #ddd;position:relative;background:#fff}
#graph svg{display:block;margin:8px}
#graph g.cluster,#graph g.node{cursor:pointer}
#graph g.cluster.selected>polygon,#graph g.cluster.selected>path{stroke:#111;stroke-width:4px}
#graph g.node.selected>path,#graph g.node.selected>polygon{stroke:#111;stroke-width:2.5px}
.zoom{position:sticky;top:6px;left:6px;z-index:2;display:inline-flex;gap:4px;margin:6px}
.zoom button{font-size:13px;min-width:28px}
#details{flex:1;overflow:auto;padding:10px 14px}
#details h2{font-size:16px;margin:4px 0 8px}
#details h3{font-size:13px;margin:14px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#555}
#details table{border-collapse:collapse;font-size:12.5px;width:100%}
#details td,#details th{border-bottom:1px solid #eee;padding:2px 6px;text-align:left;vertical-align:top}
#details code,#details pre{font-family:Menlo,Consolas,monospace}
pre.wgsl{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:8px;font-size:11.5px;overflow:auto;max-height:60vh;white-space:pre}
.tag{display:inline-block;font-size:11px;border-radius:3px;padding:0 4px;margin-left:4px;border:1px solid #bbb}
.tag.written{background:${MATERIALIZED_FILL}}
.tag.output{background:#e3f2fd}
.chosen{font-weight:600}
.muted{color:#777}
details.text pre{font-size:11.5px;white-space:pre;overflow:auto}
`;

/** The page's script (plain JS; it only reads the embedded data and the inline SVG). */
const SCRIPT = String.raw`
(() => {
  const data = JSON.parse(document.getElementById('plan-data').textContent);
  const ops = new Map(data.ops.map((o) => [o.id, o]));
  const panel = document.getElementById('details');
  const svg = document.querySelector('#graph svg');
  const fmtMs = (ms) => (ms >= 1 ? ms.toFixed(2) + ' ms' : (ms * 1000).toFixed(1) + ' us');
  const fmtBytes = (b) => (b >= 1048576 ? (b / 1048576).toFixed(1) + ' MiB' : b >= 1024 ? (b / 1024).toFixed(1) + ' KiB' : b + ' B');
  const shape = (s) => '[' + s.join(', ') + ']';
  const h = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  };
  const table = (head, rows) => h('table', {}, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { text: c })))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => (c instanceof Node ? h('td', {}, c) : h('td', { text: String(c) })))))));
  const opOf = (target) => {
    const g = target instanceof Element ? target.closest('g.cluster, g.node') : null;
    const m = g ? /^op(\d+)(?:_n\d+)?$/.exec(g.id) : null;
    return m ? Number(m[1]) : undefined;
  };
  function render(op) {
    panel.replaceChildren();
    panel.dataset.op = String(op.id);
    panel.append(h('h2', { text: 'op ' + op.id + ' · ' + op.template + ' · ' + op.kernels.length + ' kernel' + (op.kernels.length === 1 ? '' : 's') }));
    const c = op.cost;
    panel.append(h('h3', { text: 'Estimated cost' }), h('div', { 'data-section': 'cost' }, table(['estimate', 'launches', 'reads', 'writes', 'Mflop (weighted)'],
      [[fmtMs(c.ms), c.launches, fmtBytes(c.bytesRead), fmtBytes(c.bytesWritten), (c.flops / 1e6).toFixed(3)]])));
    panel.append(h('h3', { text: 'Members (' + op.members.length + ')' }), h('div', { 'data-section': 'members' }, table(['node', 'op', 'shape', ''],
      op.members.map((m) => [m.name, m.op, shape(m.shape),
        m.modelOutput ? h('span', { class: 'tag output', text: 'model output' }) : m.written ? h('span', { class: 'tag written', text: 'materialized' }) : '']))));
    panel.append(h('h3', { text: 'Reads' }), h('div', { 'data-section': 'inputs' }, table(['tensor', 'op', 'shape'], op.inputs.map((i) => [i.name, i.op, shape(i.shape)]))));
    const ds = op.decisions;
    panel.append(h('h3', { text: 'Decisions touching this operator (' + ds.length + ')' }), h('div', { 'data-section': 'decisions' },
      ds.length === 0 ? h('p', { class: 'muted', text: 'none' }) : table(['edge', 'outcome', 'why', 'chosen', 'alternative'], ds.map((d) => {
        const edge = d.consumer === undefined ? d.producer : d.producer + ' → ' + d.consumer;
        const outcome = d.outcome === 'cut' ? 'read from memory' : 'fused';
        const other = d.outcome === 'cut' ? 'fused' : 'materialized';
        const cost = d.kind === 'cost';
        return [edge, outcome, cost ? 'cost' : d.explanation,
          cost ? h('span', { class: 'chosen', text: outcome + ': ' + fmtMs(d.chosenMs) }) : '',
          cost ? other + ': ' + fmtMs(d.alternativeMs) : ''];
      }))));
    panel.append(h('h3', { text: 'Generated WGSL' }));
    const w = h('div', { 'data-section': 'wgsl' });
    for (const k of op.kernels) w.append(h('div', {}, h('code', { text: k.label + '  entry ' + k.entryPoint + '  dispatch ' + k.dispatch.join('×') })), h('pre', { class: 'wgsl', text: k.wgsl }));
    if (op.kernels.length === 0) w.append(h('p', { class: 'muted', text: 'no kernels (a buffer alias)' }));
    panel.append(w);
  }
  function select(id) {
    const op = ops.get(id);
    if (!op) return;
    for (const e of document.querySelectorAll('.selected')) e.classList.remove('selected');
    svg?.querySelector('g.cluster#op' + id)?.classList.add('selected');
    for (const e of svg?.querySelectorAll('g.node') ?? []) if (e.id.startsWith('op' + id + '_n')) e.classList.add('selected');
    document.querySelector('.oplist button[data-op="' + id + '"]')?.classList.add('selected');
    render(op);
    if (location.hash !== '#op' + id) history.replaceState(null, '', '#op' + id);
  }
  svg?.addEventListener('click', (e) => { const id = opOf(e.target); if (id !== undefined) select(id); });
  for (const b of document.querySelectorAll('.oplist button')) b.addEventListener('click', () => select(Number(b.dataset.op)));
  let scale = 1;
  const base = svg ? [svg.width.baseVal.value, svg.height.baseVal.value] : [0, 0];
  const zoom = (f) => { if (!svg) return; scale = f === 0 ? 1 : scale * f; svg.setAttribute('width', base[0] * scale + 'pt'); svg.setAttribute('height', base[1] * scale + 'pt'); };
  document.getElementById('zoom-in')?.addEventListener('click', () => zoom(1.25));
  document.getElementById('zoom-out')?.addEventListener('click', () => zoom(0.8));
  document.getElementById('zoom-reset')?.addEventListener('click', () => zoom(0));
  const m = /^#op(\d+)$/.exec(location.hash);
  if (m) select(Number(m[1]));
  document.body.dataset.ready = 'true';
})();
`;

/** Assembles the page from the viewer data and the rendered SVG. */
export function viewerPage(data: ViewerData, svg: string): string {
  const templates = [...new Set(data.ops.map((o) => o.template))] as Template[];
  const legend = [
    ...templates.map((t) => `<span><span class="sw" style="background:${TEMPLATE_COLORS[t].fill};border-color:${TEMPLATE_COLORS[t].border}"></span>${esc(t)} operator</span>`),
    `<span><span class="sw" style="background:${MATERIALIZED_FILL};border-color:#333"></span>materialized intermediate (double border)</span>`,
    `<span><span class="sw" style="background:${OUTPUT_FILL};border-color:#333"></span>model output</span>`,
    '<span><span style="color:#c62828">- - →</span> read from memory (another operator\'s output)</span>',
    '<span class="muted">dashed box: recomputed in several operators</span>',
  ].join('');
  const opButtons = data.ops
    .map((o) => {
      const c = TEMPLATE_COLORS[o.template as Template] ?? TEMPLATE_COLORS.single;
      return `<button type="button" data-op="${o.id}" style="background:${c.fill};border-color:${c.border}">op ${o.id} ${esc(o.template)}</button>`;
    })
    .join('');
  const s = data.search;
  const summary = [
    `strategy <b>${esc(data.strategy)}</b>`,
    `dims <code>${esc(JSON.stringify(data.dims))}</code>`,
    `${data.ops.length} fused operators, ${data.kernelCount} kernels`,
    `estimated ${fmtMs(data.estimatedMs)}`,
    ...(data.strategy === 'cost' ? [`search: ${s.partitions} partitions, ${s.interestingPoints} interesting points, ${s.plansEvaluated} costed, ${s.plansPruned} pruned${s.exhaustive ? '' : ', heuristic'}`] : []),
  ].join(' · ');
  const mat = data.materialized.length === 0 ? 'none' : data.materialized.map((m) => `<code>${esc(m.name)} [${m.shape.join(', ')}]</code>`).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fuseplan: ${esc(data.model)} (${esc(data.strategy)})</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>fuseplan plan: ${esc(data.model)}</h1>
<div class="summary">${summary}</div>
<div class="summary">materialized intermediates: ${mat}</div>
<div class="legend">${legend}</div>
<div class="oplist">${opButtons}</div>
</header>
<main>
<div id="graph"><div class="zoom"><button type="button" id="zoom-in" title="zoom in">+</button><button type="button" id="zoom-out" title="zoom out">−</button><button type="button" id="zoom-reset" title="original size">1:1</button></div>
${svg}
</div>
<section id="details">
<p class="muted">Click an operator (a coloured cluster) or one of its ops to see its members, estimated cost, the decisions that touch it and its generated WGSL.</p>
<details class="text"><summary><code>fuseplan explain</code> text</summary><pre>${esc(data.text)}</pre></details>
</section>
</main>
<script type="application/json" id="plan-data">${scriptJSON(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
