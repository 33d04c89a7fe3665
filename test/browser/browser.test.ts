// The browser example end to end: Vite bundles examples/browser (the library's browser entry, with
// a guard that fails the build if anything reaches the `webgpu` package or a Node built-in), Vite's
// preview server serves it on 127.0.0.1 (WebGPU needs a secure context: localhost, not file://),
// headless Chromium runs it on its SwiftShader WebGPU adapter, and the page's own comparison with
// the float64 reference is checked.
import { builtinModules } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview, type Plugin, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from '../support/chromium.js';

const root = resolve('examples/browser');

/** Fails the bundle if the browser entry's import graph reaches Dawn or a Node module. */
function noNodeModules(): Plugin {
  const node = new Set(builtinModules);
  return {
    name: 'fuseplan-no-node-modules',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id === 'webgpu' || id.startsWith('node:') || node.has(id)) {
        throw new Error(`the browser bundle imports '${id}' (from ${importer ?? '?'}): src/browser.ts must not reach Node modules or the webgpu package`);
      }
      return null;
    },
  };
}

interface BrowserResult {
  model: string;
  strategy: string;
  adapter: string;
  kernels: number;
  runs: number;
  residentInputs: string[];
  liveAfterDispose: number;
  outputs: { name: string; shape: number[]; errorVsBound: number; ok: boolean }[];
}

let outDir: string;
let server: PreviewServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'fuseplan-browser-'));
  await build({ root, configFile: false, logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022' }, plugins: [noNodeModules()] });
  server = await preview({ root, configFile: false, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  base = server.resolvedUrls?.local[0] ?? '';
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.httpServer.close(() => r()) : r()));
  rmSync(outDir, { recursive: true, force: true });
});

async function runPage(query: string): Promise<{ result: BrowserResult; shown: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${base}${query}`);
    await page.waitForSelector('#status[data-status="done"], #status[data-status="error"]', { timeout: 90_000 });
    const status = await page.getAttribute('#status', 'data-status');
    expect(status, `${await page.textContent('#status')} ${errors.join('; ')}`).toBe('done');
    const result = JSON.parse((await page.getAttribute('#status', 'data-result'))!) as BrowserResult;
    const shown = await page.$$eval('#result td.err', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(errors).toEqual([]);
    return { result, shown };
  } finally {
    await page.close();
  }
}

describe('examples/browser (Vite + headless Chromium, WebGPU on SwiftShader)', () => {
  it('bundles the browser entry without Dawn or Node modules', () => {
    const js = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    for (const f of js) expect(readFileSync(join(outDir, 'assets', f), 'utf8')).not.toMatch(/dawn\.node|from\s*["']webgpu["']|["']node:(fs|os|path)["']/);
  });

  for (const strategy of ['cost', 'none'] as const) {
    it(`runs norm-block with strategy ${strategy} on navigator.gpu and matches the float64 reference`, async () => {
      const { result, shown } = await runPage(`?strategy=${strategy}`);
      expect(result.model).toBe('norm-block');
      expect(result.strategy).toBe(strategy);
      expect(result.outputs.map((o) => o.name)).toEqual(['h', 'p']);
      expect(result.kernels).toBeGreaterThan(0);
      // The weights stayed on the GPU across runs and were released after.
      expect(result.runs).toBe(2);
      expect(result.residentInputs).toEqual(['gamma', 'beta']);
      expect(result.liveAfterDispose).toBe(0);
      for (const o of result.outputs) {
        expect(o.ok, `${o.name}: error ${o.errorVsBound} of its bound`).toBe(true);
        expect(o.errorVsBound).toBeLessThanOrEqual(1);
      }
      // The page prints the errors into the DOM.
      expect(shown).toEqual(result.outputs.map((o) => o.errorVsBound.toExponential(2)));
    });
  }
});
