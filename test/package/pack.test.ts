// The published package: `npm pack` (prepack builds dist/ with tsc) gives a tarball that installs
// into an empty project from npm's cache, type-checks the README example against the shipped .d.ts
// files (including a compile-time shape error), runs it on the GPU in Node, exposes the browser
// entry, and runs the CLI on a user's TypeScript model file.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
const tmp = mkdtempSync(join(tmpdir(), 'fuseplan-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(), ...opts.env } });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** The README's example, verbatim (the first ```ts block), and the plan output pasted under it. */
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const README_EXAMPLE = /```ts\n([\s\S]*?)```/.exec(readme)![1]! + "console.log('y.length', outputs.y?.length);\n";
const README_OUTPUT = /prints[^\n]*\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
/** The lines of a plan that do not depend on timings or cost constants. */
const structure = (text: string): string[] => text.split('\n').filter((l) => /^(plan |op \d|\s+members:|\s+reads:)/.test(l));

const SHAPE_ERROR = `import { f32, model } from 'fuseplan';
export default model('bad', { x: f32(['B', 784]), w: f32([10, 256]) }, ({ x, w }) => ({ y: x.matmul(w) }));
`;

const USER_MODEL = `import { f32, model } from 'fuseplan';
export default model('tiny', { x: f32(['B', 16]), w: f32([16, 8]) }, ({ x, w }) => ({ y: x.matmul(w).relu().sum(-1) }));
export const dims = { B: 32 };
`;

describe('npm pack', () => {
  it('packs dist/ with types, installs offline into an empty project and runs the README example', { timeout: 180_000 }, () => {
    const dest = join(tmp, 'dest');
    mkdirSync(dest);
    const pack = sh('npm', ['pack', '--pack-destination', dest, '--json', '--ignore-scripts=false'], { cwd: repo });
    expect(pack.status, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    for (const p of ['package.json', 'README.md', 'bin/fuseplan.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/browser.js', 'dist/browser.d.ts', 'dist/cli/main.js', 'dist/viewer/html.js']) {
      expect(paths, p).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);

    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const tgz = join(dest, info!.filename);
    // Everything the package depends on is in npm's cache after the repository's own `npm ci`.
    let install = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], { cwd: app });
    if (install.status !== 0) install = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], { cwd: app });
    expect(install.status, install.stderr).toBe(0);

    // Types ship with the package: the README example type-checks (no skipLibCheck), and a shape
    // error is reported at compile time with the DSL's message.
    writeFileSync(join(app, 'example.ts'), README_EXAMPLE);
    writeFileSync(join(app, 'bad.ts'), SHAPE_ERROR);
    const tsconfig = (files: string[]) => ({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['ES2022', 'DOM'] },
      files,
    });
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig(['example.ts'])));
    const ok = sh(process.execPath, [tsc, '-p', '.'], { cwd: app });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig(['bad.ts'])));
    const bad = sh(process.execPath, [tsc, '-p', '.'], { cwd: app });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('matmul: inner dims differ');

    // The README example runs in Node (tsx, a dependency of the package, strips the types).
    const run = sh(process.execPath, ['--import', 'tsx', 'example.ts'], { cwd: app });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/plan 'mlp'\s+strategy cost\s+dims \{"B":64\}/);
    expect(run.stdout).toContain('y.length 16384');
    expect(structure(run.stdout)).toEqual(structure(README_OUTPUT));

    // Both entry points resolve; the browser one without loading Dawn.
    const entries = sh(process.execPath, ['--input-type=module', '-e', "const a = await import('fuseplan'); const b = await import('fuseplan/browser'); console.log(typeof a.compile, typeof b.compile, typeof b.createRuntime)"], { cwd: app });
    expect(entries.stdout.trim(), entries.stderr).toBe('function function function');

    // The CLI runs from dist/ and loads a user's TypeScript model file that imports 'fuseplan'.
    writeFileSync(join(app, 'model.ts'), USER_MODEL);
    const cli = sh(join(app, 'node_modules', '.bin', 'fuseplan'), ['explain', 'model.ts', '--format', 'json'], { cwd: app });
    expect(cli.status, cli.stderr).toBe(0);
    const plan = JSON.parse(cli.stdout) as { model: string; operators: unknown[] };
    expect(plan.model).toBe('tiny');
    expect(plan.operators.length).toBeGreaterThan(0);
    // ... also in a project without "type": "module" (npm init's default), where tsx loads .ts as CommonJS.
    const cjs = join(app, 'cjs');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'cjs', private: true }));
    writeFileSync(join(cjs, 'model.ts'), USER_MODEL);
    const cli2 = sh(join(app, 'node_modules', '.bin', 'fuseplan'), ['explain', 'model.ts'], { cwd: cjs });
    expect(cli2.status, cli2.stderr).toBe(0);
    expect(cli2.stdout).toMatch(/plan 'tiny'/);
  });
});
