/** `fuseplan explain plan.json`: a plan saved with --format json, checked and shown again. No GPU needed. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'fuseplan-saved-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// stderr captured: the `wrote ...` notes and the `error:` lines of the failing cases.
const cli = (...args: string[]) => runCli(args);

describe('fuseplan explain <saved plan>.json', () => {
  it('re-prints a saved plan in words, or as the same JSON', async () => {
    const saved = join(dir, 'mlp-plan.json');
    expect((await cli('explain', 'examples/mlp.ts', '--format', 'json', '-o', saved)).code).toBe(0);
    const text = await cli('explain', saved);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^plan 'mlp' {2}strategy cost {2}dims \{"B":64\} {2}\(saved\)\n/);
    expect(text.out).toMatch(/^op 0 {2}matmul/m);
    const json = await cli('explain', saved, '--format', 'json');
    expect(JSON.parse(json.out)).toEqual(JSON.parse(readFileSync(saved, 'utf8')));
  });

  it('a damaged plan or a format the JSON cannot give is a usage error (exit 1)', async () => {
    const saved = join(dir, 'plan.json');
    await cli('explain', 'examples/l2svm.ts', '--format', 'json', '-o', saved);
    expect((await cli('explain', saved, '--format', 'dot')).code).toBe(1);
    const doc = JSON.parse(readFileSync(saved, 'utf8')) as Record<string, unknown>;
    writeFileSync(saved, JSON.stringify({ ...doc, estimatedMs: 'fast' }));
    expect((await cli('explain', saved)).code).toBe(1);
  });
});
