/**
 * The profile cache (src/calibrate/profile-store.ts): where it lives, one file per adapter, the most
 * recent profile, corrupt or invalid files treated as absent, and explain showing the profile and
 * kernel parameters it planned with. No GPU needed.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-capture.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../../src/cost/profile.js';
import { adapterKey, cacheDir, checkProfile, latestProfile, loadProfile, profileFor, readProfileFile, saveProfile } from '../../src/calibrate/profile-store.js';
import type { AdapterSummary } from '../../src/runtime/types.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fuseplan-profiles-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const lavapipe: AdapterSummary = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' };
const other: AdapterSummary = { vendor: 'nvidia', architecture: 'ampere', device: 'RTX 3060', description: 'NVIDIA 550.1' };
const profile = (source: string, launchMs: number): DeviceProfile => ({
  ...DEFAULT_PROFILE,
  source,
  launchMs,
  kernels: { cell: { vec4PerThread: 8, scalarPerThread: 16 }, reduce: { layout: 'thread' }, row: { minLanes: 1, cacheMax: 0 } },
});

describe('profile store', () => {
  it('cache dir: FUSEPLAN_CACHE_DIR, else $XDG_CACHE_HOME/fuseplan, else ~/.cache/fuseplan', () => {
    expect(cacheDir({ FUSEPLAN_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(cacheDir({ XDG_CACHE_HOME: '/b' })).toBe(join('/b', 'fuseplan'));
    expect(cacheDir({})).toBe(join(homedir(), '.cache', 'fuseplan'));
  });

  it('stores one file per adapter and loads each back; the latest is the most recently calibrated', () => {
    const dir = tmp();
    expect(loadProfile(lavapipe, dir)).toBeNull();
    expect(latestProfile(dir)).toBeNull();
    expect(adapterKey(lavapipe)).not.toBe(adapterKey(other));
    expect(adapterKey(lavapipe)).toMatch(/^[a-z0-9-]+$/);
    const p1 = saveProfile({ adapter: lavapipe, createdAt: '2026-01-01T00:00:00.000Z', profile: profile('lavapipe run', 0.05) }, dir);
    const p2 = saveProfile({ adapter: other, createdAt: '2026-02-01T00:00:00.000Z', profile: profile('gpu run', 0.01) }, dir);
    expect(p1).not.toBe(p2);
    expect(readdirSync(dir).sort()).toEqual([p1, p2].map((p) => p.slice(dir.length + 1)).sort());
    expect(loadProfile(lavapipe, dir)!.profile).toMatchObject({ source: 'lavapipe run', launchMs: 0.05 });
    expect(loadProfile(other, dir)!.profile.launchMs).toBe(0.01);
    expect(latestProfile(dir)!.adapter).toEqual(other);
    // Saving again replaces the adapter's file.
    saveProfile({ adapter: lavapipe, createdAt: '2026-03-01T00:00:00.000Z', profile: profile('lavapipe again', 0.07) }, dir);
    expect(readdirSync(dir)).toHaveLength(2);
    expect(latestProfile(dir)!.profile.source).toBe('lavapipe again');
    expect(profileFor({ adapterInfo: lavapipe }, dir).launchMs).toBe(0.07);
  });

  it('a corrupt or invalid file counts as absent: planning falls back to the default profile', () => {
    const dir = tmp();
    const path = saveProfile({ adapter: lavapipe, createdAt: new Date().toISOString(), profile: profile('ok', 0.05) }, dir);
    writeFileSync(path, '{ "version": 1, "adapter": ');
    expect(loadProfile(lavapipe, dir)).toBeNull();
    expect(latestProfile(dir)).toBeNull();
    expect(profileFor({ adapterInfo: lavapipe }, dir)).toBe(DEFAULT_PROFILE);
    writeFileSync(path, JSON.stringify({ version: 1, adapter: lavapipe, createdAt: 'x', profile: { ...profile('bad', 0.05), launchMs: -1 } }));
    expect(loadProfile(lavapipe, dir)).toBeNull();
    writeFileSync(path, JSON.stringify({ version: 99, adapter: lavapipe, createdAt: 'x', profile: profile('future', 0.05) }));
    expect(loadProfile(lavapipe, dir)).toBeNull();
  });

  it('validates profiles: positive constants, shares in (0, 1]; messages name the field and what it must be', () => {
    expect(typeof checkProfile(DEFAULT_PROFILE)).toBe('object');
    expect(checkProfile(null)).toBe('expected an object, got null');
    expect(checkProfile({ ...DEFAULT_PROFILE, flopsPerMs: 0 })).toBe('flopsPerMs: expected a positive number, got 0');
    expect(checkProfile({ ...DEFAULT_PROFILE, bandwidth: { row: 2 } })).toBe('bandwidth.row: expected a share of the maximum rate, in (0, 1], got 2');
    expect(checkProfile({ ...DEFAULT_PROFILE, kernels: { reduce: { layout: 'warp' } } })).toBe('kernels.reduce.layout: expected "thread" | "group", got "warp"');
    expect(checkProfile({ ...DEFAULT_PROFILE, kernels: { cell: { vec4PerThread: 2.5 } } })).toMatch(/^kernels\.cell\.vec4PerThread: expected a positive integer, got 2\.5$/);
    expect(checkProfile({ ...DEFAULT_PROFILE, matmul: { skinnyMinRows: 64 } })).toMatchObject({ matmul: { skinnyMinRows: 64 } });
    expect(checkProfile({ ...DEFAULT_PROFILE, matmul: { prologueLoadMs: 0 } })).toMatchObject({ matmul: { prologueLoadMs: 0 } });
    // A bare profile without a source is named for where it came from.
    const { source: _, ...unnamed } = DEFAULT_PROFILE;
    expect(checkProfile(unnamed)).toMatchObject({ source: 'profile file', launchMs: DEFAULT_PROFILE.launchMs });
    const dir = tmp();
    const bare = join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify({ launchMs: 1 }));
    expect(() => readProfileFile(bare)).toThrow(/not a device profile \(bytesPerMs: missing \(expected a positive number\); flopsPerMs: missing/);
    writeFileSync(bare, '{"launchMs": ');
    expect(() => readProfileFile(bare)).toThrow(expect.objectContaining({ code: 'format', message: expect.stringMatching(/bare\.json: not JSON/) }));
  });

  it('a stored file whose adapter is not an adapter summary counts as absent', () => {
    const dir = tmp();
    const path = saveProfile({ adapter: lavapipe, createdAt: '2026-01-01T00:00:00.000Z', profile: profile('ok', 0.05) }, dir);
    writeFileSync(path, JSON.stringify({ version: 1, adapter: { vendor: 'mesa' }, createdAt: '2026-01-01T00:00:00.000Z', profile: profile('ok', 0.05) }));
    expect(loadProfile(lavapipe, dir)).toBeNull();
    // An unreadable createdAt falls back to the file's modification time.
    writeFileSync(path, JSON.stringify({ version: 1, adapter: lavapipe, createdAt: 'yesterday', profile: profile('ok', 0.05) }));
    expect(Number.isNaN(Date.parse(loadProfile(lavapipe, dir)!.createdAt))).toBe(false);
  });
});

describe('explain shows the profile and the kernel parameters it planned with', () => {
  // stderr captured: the commands meant to fail print `error:` lines that belong in the result.
  const cli = (...args: string[]) => runCli(args);

  it('--device-profile <file>: the calibrated parameters, from the profile', async () => {
    const dir = tmp();
    const path = saveProfile({ adapter: lavapipe, createdAt: new Date().toISOString(), profile: profile('calibrated on test', 0.05) }, dir);
    const text = await cli('explain', 'examples/norm-block.ts', '--device-profile', path);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/cost profile: calibrated on test/);
    expect(text.out).toMatch(/kernel parameters: cell vec4 x8 \/ scalar x16 per invocation, reduce thread layout, row min lanes 1 \(cache <= 0\), literal sizes \[from the profile\]/);
    const json = JSON.parse((await cli('explain', 'examples/norm-block.ts', '--device-profile', path, '--format', 'json')).out);
    expect(json.profile).toBe('calibrated on test');
    expect(json.kernelParameters).toEqual({ cell: { vec4PerThread: 8, scalarPerThread: 16 }, reduce: { layout: 'thread' }, row: { minLanes: 1, cacheMax: 0 }, indexing: 'literal', source: 'profile' });
  });

  it("--device-profile default, and without a cached profile: the built-in one", async () => {
    const text = await cli('explain', 'examples/mlp.ts', '--device-profile', 'default');
    expect(text.out).toMatch(/cost profile: default/);
    expect(text.out).toMatch(/kernel parameters: cell vec4 x4 \/ scalar x8 per invocation/);
    const saved = process.env.FUSEPLAN_CACHE_DIR;
    process.env.FUSEPLAN_CACHE_DIR = tmp();
    try {
      expect((await cli('explain', 'examples/mlp.ts')).out).toMatch(/cost profile: default/);
    } finally {
      if (saved === undefined) delete process.env.FUSEPLAN_CACHE_DIR;
      else process.env.FUSEPLAN_CACHE_DIR = saved;
    }
  });

  it('a bad --device-profile is a usage error (exit 1)', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"launchMs": "fast"}');
    expect((await cli('explain', 'examples/mlp.ts', '--device-profile', bad)).code).toBe(1);
    expect((await cli('explain', 'examples/mlp.ts', '--device-profile', join(dir, 'missing.json'))).code).toBe(1);
  });
});
