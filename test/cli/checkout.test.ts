// A checkout of the repository runs the CLI from its sources: a model file that imports 'fuseplan',
// as the docs show, must work there before anything has built dist/, with the library loaded once
// (so a shape error is the user's mistake, exit 1, not an unknown error from a second copy, exit 2).
// The checkout is a temporary copy of what the CLI needs, without dist/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
let checkout: string;

const OK = `import { f32, model } from 'fuseplan';
export default model('tiny', { x: f32(['B', 16]), w: f32([16, 8]) }, ({ x, w }) => ({ y: x.matmul(w).relu().sum(-1) }));
export const dims = { B: 32 };
`;
const BAD = `import { f32, model } from 'fuseplan';
export default model('bad', { x: f32(['B', 784]), w: f32([10, 256]) }, ({ x, w }) => ({ y: x.matmul(w) }));
export const dims = { B: 4 };
`;

beforeAll(() => {
  checkout = mkdtempSync(join(tmpdir(), 'fuseplan-checkout-'));
  for (const p of ['package.json', 'tsconfig.json', 'bin', 'src']) cpSync(join(repo, p), join(checkout, p), { recursive: true });
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(checkout, 'node_modules'), 'dir');
  mkdirSync(join(checkout, 'models'));
  writeFileSync(join(checkout, 'models', 'ok.ts'), OK);
  writeFileSync(join(checkout, 'models', 'bad.ts'), BAD);
});
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

function fuseplan(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/fuseplan.mjs', ...args], { cwd: checkout, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("a checkout without dist/: model files that import 'fuseplan'", () => {
  it('explain a model', () => {
    const r = fuseplan('explain', 'models/ok.ts', '--format', 'json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).model).toBe('tiny');
    expect(existsSync(join(checkout, 'dist'))).toBe(false);
  });
  it('run a model on the GPU', () => {
    const r = fuseplan('run', 'models/ok.ts', '--check', '--json', '--runs', '1');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { outputs: { name: string; maxRelErr: number }[] };
    expect(j.outputs.map((o) => o.name)).toEqual(['y']);
    expect(j.outputs[0]!.maxRelErr).toBeLessThan(1e-4);
  });
  it('exit 1 with the readable message on a shape error, when run and when type-checked', () => {
    const run = fuseplan('explain', 'models/bad.ts');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("error: matmul: inner dims differ: ['B', 784] x [10, 256] (784 vs 10)");
    const check = fuseplan('check', 'models/bad.ts');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('matmul: inner dims differ');
    expect(check.stderr).toContain('models/bad.ts: 1 type error');
  });
});
