// The published package: `npm pack` (prepack builds dist/ with tsc) gives a tarball that installs
// into an empty project from npm's cache without a TypeScript loader, TypeScript or Graphviz (optional
// peers), runs a model from plain Node ESM on the GPU, bundles for the browser with esbuild and runs
// there, and, once the optional peers are added, type-checks and runs the README example as
// TypeScript and runs the CLI on a user's TypeScript model file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { installedNames, serve, sh } from './installed.js';

const repo = resolve('.');
const tmp = mkdtempSync(join(tmpdir(), 'fuseplan-pack-'));
const app = join(tmp, 'app');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The README's example, verbatim (the first ```ts block), and the plan output pasted under it. */
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const README_EXAMPLE = /```ts\n([\s\S]*?)```/.exec(readme)![1]! + "console.log('y.length', outputs.y?.length);\n";
const README_OUTPUT = /prints[^\n]*\n\n(?:<!--[^\n]*-->\n)?```(?:text)?\n([\s\S]*?)```/.exec(readme)![1]!;
/** The lines of a plan that do not depend on timings or cost constants. */
const structure = (text: string): string[] => text.split('\n').filter((l) => /^(plan |op \d|\s+members:|\s+reads:)/.test(l));

const SHAPE_ERROR = `import { f32, model } from 'fuseplan';
export default model('bad', { x: f32(['B', 784]), w: f32([10, 256]) }, ({ x, w }) => ({ y: x.matmul(w) }));
`;
const USER_MODEL = `import { f32, model } from 'fuseplan';
export default model('tiny', { x: f32(['B', 16]), w: f32([16, 8]) }, ({ x, w }) => ({ y: x.matmul(w).relu().sum(-1) }));
export const dims = { B: 32 };
`;
/** Compiles, runs and checks USER_MODEL against the float64 reference; `report` gets the result. */
const runAndCheck = (report: string): string => `const report = ${report};
${USER_MODEL.replace('export default ', 'const tiny = ').replace("import { f32, model } from 'fuseplan';", '')}
const gpu = await createRuntime();
try {
  const plan = compile(tiny, { dims, limits: gpu.limits });
  const inputs = randomInputs(tiny.ir, dims);
  const { outputs } = await gpu.run(plan, inputs);
  const c = compareToReference(outputs.y, evaluate(tiny.ir, dims, inputs).y);
  report({ kernels: plan.executable.kernels.length, ok: c.ok, errorVsBound: c.worst });
} catch (e) {
  report({ error: String(e) });
} finally {
  gpu.destroy();
}
`;
const IMPORTS = "import { compareToReference, compile, createRuntime, evaluate, f32, model, randomInputs } from 'fuseplan';\n";
const fuseplan = (args: string[], cwd = app) => sh(join(app, 'node_modules', '.bin', 'fuseplan'), args, { cwd });

let files: string[] = [];

beforeAll(() => {
  const dest = join(tmp, 'dest');
  mkdirSync(dest);
  const pack = sh('npm', ['pack', '--pack-destination', dest, '--json', '--ignore-scripts=false'], { cwd: repo });
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  files = info!.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const tgz = join(dest, info!.filename);
  // Everything the package depends on is in npm's cache after the repository's own `npm ci`.
  let install = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], { cwd: app });
  if (install.status !== 0) install = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], { cwd: app });
  expect(install.status, install.stderr).toBe(0);
  writeFileSync(join(app, 'model.ts'), USER_MODEL);
  writeFileSync(join(app, 'model.js'), USER_MODEL);
}, 240_000);

describe('npm pack, installed into an empty project', () => {
  it('ships dist/ with types, the bin and no sources or tests', () => {
    for (const p of ['package.json', 'README.md', 'bin/fuseplan.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/browser.js', 'dist/browser.d.ts', 'dist/cli/main.js', 'dist/viewer/html.js']) {
      expect(files, p).toContain(p);
    }
    expect(files.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);
  });

  it('depends on no TypeScript loader, TypeScript or graph-layout engine', () => {
    const ls = sh('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: app });
    const names = installedNames(JSON.parse(ls.stdout) as { dependencies?: Record<string, unknown> });
    expect(names).toContain('fuseplan');
    expect(names).toContain('webgpu');
    for (const heavy of ['tsx', 'esbuild', 'typescript', '@viz-js/viz']) expect(names, heavy).not.toContain(heavy);
  });

  it('imports and runs a model from plain Node ESM on the GPU; both entry points resolve', () => {
    writeFileSync(join(app, 'run.mjs'), IMPORTS + runAndCheck('(r) => console.log(JSON.stringify(r))') + 'process.exit(0);\n');
    const run = sh(process.execPath, ['run.mjs'], { cwd: app });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as { ok?: boolean; kernels?: number; error?: string };
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.kernels).toBeGreaterThan(0);
    const entries = sh(process.execPath, ['--input-type=module', '-e', "const a = await import('fuseplan'); const b = await import('fuseplan/browser'); console.log(typeof a.compile, typeof b.compile, typeof b.createRuntime)"], { cwd: app });
    expect(entries.stdout.trim(), entries.stderr).toBe('function function function');
  });

  it('CLI without the optional peers: JavaScript models work; .ts models, check and the drawn graph say what to install', () => {
    const js = fuseplan(['explain', 'model.js', '--format', 'json']);
    expect(js.status, js.stderr).toBe(0);
    expect(JSON.parse(js.stdout).model).toBe('tiny');
    const ts = fuseplan(['explain', 'model.ts']);
    expect(ts.status).toBe(1);
    expect(ts.stderr).toMatch(/^error: model\.ts is TypeScript, and loading it needs tsx.*: npm install --save-dev tsx$/m);
    const check = fuseplan(['check', 'model.ts']);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('npm install --save-dev typescript');
    const html = fuseplan(['explain', 'model.js', '--format', 'html', '-o', 'plan.html']);
    expect(html.status, html.stderr).toBe(0);
    expect(html.stderr).toContain('npm install @viz-js/viz');
    const page = readFileSync(join(app, 'plan.html'), 'utf8');
    expect(page).toContain('No graph drawn');
    expect(page).not.toContain('<svg');
    expect(page).toContain('"tiny"');
  });

  it('bundles the browser entry with esbuild and runs a model in headless Chromium (WebGPU on SwiftShader)', { timeout: 120_000 }, async () => {
    const web = join(tmp, 'web');
    mkdirSync(web);
    writeFileSync(join(app, 'browser.js'), IMPORTS + runAndCheck('(r) => { window.__result = r; }'));
    const bundle = await build({ absWorkingDir: app, entryPoints: ['browser.js'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(web, 'bundle.js'), metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.some((p) => p.includes('node_modules/fuseplan/dist/browser.js'))).toBe(true);
    expect(inputs.filter((p) => /node_modules\/webgpu\/|^node:/.test(p))).toEqual([]);
    writeFileSync(join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="bundle.js"></script>');
    const server = await serve(web);
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(server.url);
      const r = (await (await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, undefined, { timeout: 90_000 })).jsonValue()) as { ok?: boolean; error?: string };
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it('with the optional peers: the README example type-checks and runs as TypeScript; the CLI loads .ts models, checks them and draws the graph', { timeout: 180_000 }, () => {
    // The repository's own copies stand in for `npm install --save-dev tsx typescript @viz-js/viz`.
    for (const peer of ['tsx', 'typescript', '@viz-js/viz']) {
      mkdirSync(join(app, 'node_modules', peer, '..'), { recursive: true });
      symlinkSync(join(repo, 'node_modules', peer), join(app, 'node_modules', peer), 'dir');
    }
    // Types ship with the package: `fuseplan check`, with this project's settings (no skipLibCheck),
    // passes the README example and reports a shape error at compile time with the DSL's message.
    writeFileSync(join(app, 'example.ts'), README_EXAMPLE);
    writeFileSync(join(app, 'bad.ts'), SHAPE_ERROR);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['ES2022', 'DOM'] } }),
    );
    const ok = fuseplan(['check', 'example.ts']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('example.ts: no type errors\n');
    const bad = fuseplan(['check', 'bad.ts']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("matmul: inner dims differ: ['B', 784] x [10, 256] (784 vs 10)");
    expect(bad.stderr).toContain('error: bad.ts: 1 type error');

    // The README example runs in Node, tsx stripping the types.
    const run = sh(process.execPath, ['--import', 'tsx', 'example.ts'], { cwd: app });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/plan 'mlp'\s+strategy cost\s+dims \{"B":64\}/);
    expect(run.stdout).toContain('y.length 16384');
    expect(structure(run.stdout)).toEqual(structure(README_OUTPUT));

    // The CLI runs from dist/ and loads a user's TypeScript model file that imports 'fuseplan'...
    const cli = fuseplan(['explain', 'model.ts', '--format', 'json']);
    expect(cli.status, cli.stderr).toBe(0);
    const plan = JSON.parse(cli.stdout) as { model: string; operators: unknown[] };
    expect(plan.model).toBe('tiny');
    expect(plan.operators.length).toBeGreaterThan(0);
    // ... also in a project without "type": "module" (npm init's default), where tsx loads .ts as CommonJS.
    const cjs = join(app, 'cjs');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'cjs', private: true }));
    writeFileSync(join(cjs, 'model.ts'), USER_MODEL);
    writeFileSync(join(cjs, 'bad.ts'), SHAPE_ERROR);
    const cli2 = fuseplan(['explain', 'model.ts'], cjs);
    expect(cli2.status, cli2.stderr).toBe(0);
    expect(cli2.stdout).toMatch(/plan 'tiny'/);
    // A shape error is the user's mistake (exit 1) there too, though tsx's scoped loader gives
    // the model its own copy of the library and of FuseplanError.
    const cli3 = fuseplan(['explain', 'bad.ts'], cjs);
    expect(cli3.status, cli3.stderr).toBe(1);
    expect(cli3.stderr).toContain('error: matmul: inner dims differ');

    const html = fuseplan(['explain', 'model.ts', '--format', 'html', '-o', 'plan.html']);
    expect(html.status, html.stderr).toBe(0);
    expect(readFileSync(join(app, 'plan.html'), 'utf8')).toMatch(/<svg[\s\S]*class="cluster/);
  });
});
