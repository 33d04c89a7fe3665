import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-capture.js';
import { exitCodeFor, UsageError } from '../../src/cli/args.js';
import { FuseplanError } from '../../src/ir/errors.js';

/** Runs the CLI in-process, capturing stdout and stderr (the expected `error:` lines stay out of the log). */
const cli = (...args: string[]): Promise<{ code: number; out: string; err: string }> => runCli(args);

describe('fuseplan explain', () => {
  it('prints the text plan of an example with its operators and decisions', async () => {
    const r = await cli('explain', 'examples/norm-block.ts', '--dims', 'T=64');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/plan 'norm-block'\s+strategy cost\s+dims \{"T":64\}/);
    expect(r.out).toMatch(/op 0 {2}row/);
  });
  it('prints JSON with the documented fields', async () => {
    const r = await cli('explain', 'examples/mlp.ts', '--format', 'json', '--strategy', 'fuse-all');
    const j = JSON.parse(r.out);
    for (const k of ['strategy', 'dims', 'nodes', 'operators', 'materialized', 'decisions', 'estimatedMs', 'planningMs', 'search']) expect(j).toHaveProperty(k);
    expect(j.strategy).toBe('fuse-all');
    for (const k of ['id', 'template', 'nodes', 'inputs', 'outputs', 'estimatedMs']) expect(j.operators[0]).toHaveProperty(k);
    for (const k of ['partitions', 'interestingPoints', 'plansEvaluated', 'plansPruned', 'exhaustive']) expect(j.search).toHaveProperty(k);
  });
  it('prints DOT with one cluster per operator, and WGSL per kernel', async () => {
    const dot = await cli('explain', 'examples/l2svm.ts', '--format', 'dot');
    const json = JSON.parse((await cli('explain', 'examples/l2svm.ts', '--format', 'json')).out);
    expect(dot.out.match(/subgraph cluster_/g)?.length).toBe(json.operators.length);
    const wgsl = await cli('explain', 'examples/l2svm.ts', '--format', 'wgsl');
    expect(wgsl.out).toMatch(/@compute @workgroup_size/);
  });
  it('exits 1 with a one-line message on user errors', async () => {
    expect((await cli('explain', 'examples/nope.ts')).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--dims', 'B=x')).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--strategy', 'greedy')).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--dims', 'Q=3')).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--format', 'pdf')).code).toBe(1);
    expect((await cli('frobnicate')).code).toBe(1);
  });
});

// The table in docs/getting-started.md: 0 ok, 1 the user's mistake, 2 a device failure or limit, or our bug.
describe('exit codes', () => {
  it('0 when a command succeeds, including `check` on a model without type errors', async () => {
    expect((await cli('explain', 'examples/mlp.ts', '--format', 'ir')).code).toBe(0);
    const check = await cli('check', 'examples/mlp.ts');
    expect(check.code).toBe(0);
    expect(check.out).toBe('examples/mlp.ts: no type errors\n');
  });
  it('1 for the user\'s mistakes, 2 when the model exceeds a device limit', async () => {
    expect((await cli('check', 'examples/nope.ts')).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--dims', 'B=0')).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--dims', 'B=10000000')).code).toBe(2);
  });
  it('classifies a FuseplanError by its name and code, whichever copy of the library threw it', () => {
    // What a second copy of the class looks like (another install, or tsx's scoped loader).
    class OtherCopy extends Error {
      constructor(readonly code: string) {
        super(code);
        this.name = `FuseplanError[${code}]`;
      }
    }
    expect(exitCodeFor(new OtherCopy('shape'))).toBe(1);
    expect(exitCodeFor(new OtherCopy('device'))).toBe(2);
    expect(exitCodeFor(new OtherCopy('limit'))).toBe(2);
    expect(exitCodeFor(new FuseplanError('binding', 'B unbound'))).toBe(1);
    expect(exitCodeFor(new UsageError('bad flag'))).toBe(1);
    expect(exitCodeFor(Object.assign(new Error('boom'), { code: 'shape' }))).toBe(2);
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(2);
  });
});

describe('fuseplan bench (bin, separate process)', () => {
  it('times every strategy and reports kernels, estimates and medians as JSON', () => {
    const r = spawnSync(process.execPath, ['bin/fuseplan.mjs', 'bench', 'examples/l2svm.ts', '--runs', '1', '--warmup', '0', '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.results.map((x: { strategy: string }) => x.strategy)).toEqual(['none', 'fuse-all', 'fuse-no-redundancy', 'cost']);
    for (const x of j.results) expect(x.msMedian).toBeGreaterThan(0);
    expect(j.results[0].kernels).toBeGreaterThan(j.results[3].kernels);
  });
  it('exits 1 on a bad --runs', async () => {
    expect((await cli('bench', 'examples/l2svm.ts', '--runs', '0')).code).toBe(1);
  });
});

describe('fuseplan run (bin, separate process)', () => {
  it('runs an example on the GPU, checks it and prints JSON', () => {
    const r = spawnSync(process.execPath, ['bin/fuseplan.mjs', 'run', 'examples/norm-block.ts', '--check', '--json', '--profile', '--runs', '2'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.outputs.map((o: { name: string }) => o.name)).toEqual(['h', 'p']);
    for (const o of j.outputs) {
      expect(o.ok).toBe(true);
      expect(o.errorVsBound).toBeLessThanOrEqual(1);
    }
    expect(j.kernels).toBeGreaterThanOrEqual(1);
    expect(j.profile.length).toBe(j.kernels);
  });
});
