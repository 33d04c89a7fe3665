// The plan viewer end to end: `fuseplan explain --format html -o` writes one page; headless
// Chromium opens it from a file:// URL with every network request blocked, an operator is clicked,
// and its members, estimated cost, decisions (both alternatives' costs) and WGSL appear.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { main } from '../../src/cli/main.js';
import { describeOp } from '../../src/ir/graph.js';
import { explainHtml } from '../../src/viewer/html.js';
import mlp, { dims as mlpDims } from '../../examples/mlp.js';
import { launchChromium, type Browser } from '../support/chromium.js';

const fmtMs = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`);

let dir: string;
let browser: Browser;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fuseplan-viewer-'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fuseplan explain --format html', () => {
  it('writes one self-contained page: inline SVG with a cluster per operator, no external resources', async () => {
    const file = join(dir, 'plan.html');
    expect(await main(['explain', 'examples/mlp.ts', '--format', 'html', '-o', file], () => {})).toBe(0);
    const html = readFileSync(file, 'utf8');
    const plan = compile(mlp, { dims: mlpDims });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg');
    for (const op of plan.plan.ops) expect(html).toContain(`id="op${op.id}"`);
    // Nothing to fetch: no src= / href= attributes pointing anywhere, no @import or url() in CSS.
    expect(html).not.toMatch(/\s(src|href)=["'](?!#)/);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('shows members, cost, decisions with both costs and the WGSL of a clicked operator (file://, offline)', async () => {
    const compiled = compile(mlp, { dims: mlpDims });
    const { plan, executable } = compiled;
    // The example's plan has a materialized intermediate and cost decisions at its edges.
    expect(plan.materialized.length).toBeGreaterThan(0);
    const costDecision = plan.decisions.find((d) => d.reason.kind === 'cost' && d.consumer !== undefined);
    expect(costDecision).toBeDefined();
    const op = plan.ops.find((o) => costDecision!.consumer !== undefined && o.members.includes(costDecision!.consumer))!;
    const file = join(dir, 'mlp.html');
    writeFileSync(file, await explainHtml(compiled));

    const page = await browser.context.newPage();
    const external: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');

    // The materialized intermediate is marked in the graph.
    const m = plan.materialized[0]!;
    const producer = plan.ops.find((o) => o.outputs.includes(m))!;
    expect(await page.textContent(`g#op${producer.id}_n${m}`)).toContain('materialized');

    // Click one of the operator's member ops in the SVG.
    await page.click(`g#op${op.id}_n${op.members[0]}`);
    await page.waitForSelector(`#details[data-op="${op.id}"]`);
    expect(await page.getAttribute(`g#op${op.id}`, 'class')).toContain('selected');

    const members = (await page.textContent('#details [data-section=members]'))!;
    for (const id of op.members) {
      expect(members).toContain(`%${id}`);
      expect(members).toContain(describeOp(plan.model.graph.node(id)));
    }
    expect(await page.textContent('#details [data-section=cost]')).toContain(fmtMs(plan.costs[op.id]!.ms));

    const decisions = (await page.textContent('#details [data-section=decisions]'))!;
    const r = costDecision!.reason as { chosenMs: number; alternativeMs: number };
    expect(decisions).toContain(`%${costDecision!.consumer}`);
    expect(decisions).toContain(fmtMs(r.chosenMs));
    expect(decisions).toContain(fmtMs(r.alternativeMs));
    expect(decisions).toContain(costDecision!.outcome === 'cut' ? 'fused: ' : 'materialized: ');

    const kernels = executable.kernels.filter((k) => k.op === `op${op.id}`);
    expect(kernels.length).toBeGreaterThan(0);
    const wgsl = await page.$$eval('#details [data-section=wgsl] pre', (ps) => ps.map((p) => p.textContent ?? ''));
    expect(wgsl).toEqual(kernels.map((k) => k.wgsl));

    // The operator list in the header selects too, and no request left file://.
    const other = plan.ops.find((o) => o.id !== op.id)!;
    await page.click(`.oplist button[data-op="${other.id}"]`);
    await page.waitForSelector(`#details[data-op="${other.id}"]`);
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
