/**
 * Dawn's binding can keep Node alive after its work is done; after destroy() a process that used
 * the runtime must exit on its own, promptly, with nothing pending.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/exit-script.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('process lifetime', () => {
  it('exits on its own within a few seconds of destroy()', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const exitedAt = Date.now();
    clearTimeout(killer);
    expect(stdout, stderr).toContain('result 6.5');
    const destroyedAt = Number(/destroyed (\d+)/.exec(stdout)?.[1]);
    expect(code, stderr).toBe(0);
    expect(Number.isFinite(destroyedAt)).toBe(true);
    expect(exitedAt - destroyedAt).toBeLessThan(3000);
  });
});
