/**
 * Calibration on the real adapter (quick mode: small sizes, a few seconds): sane positive numbers,
 * shares relative to the fastest kernel of each group, progress reported, the profile cached per adapter by
 * `fuseplan calibrate`, reloaded (no new measurement) without --force and measured again with it,
 * and picked up by profileFor(runtime).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { calibrate, type CalibrationProgress, type CalibrationResult } from '../../src/calibrate/calibrate.js';
import { DEFAULT_PROFILE } from '../../src/cost/profile.js';
import { loadProfile, profileFor } from '../../src/calibrate/profile-store.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

let rt: Runtime;
let result: CalibrationResult;
const progress: CalibrationProgress[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fuseplan-calibrate-'));
const savedEnv = process.env.FUSEPLAN_CACHE_DIR;

beforeAll(async () => {
  process.env.FUSEPLAN_CACHE_DIR = dir;
  rt = await createRuntime();
  result = await calibrate(rt, { quick: true, onProgress: (p) => progress.push(p) });
}, 120_000);

afterAll(() => {
  rt?.destroy();
  if (savedEnv === undefined) delete process.env.FUSEPLAN_CACHE_DIR;
  else process.env.FUSEPLAN_CACHE_DIR = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
  let out = '';
  const code = await main(args, (s) => void (out += s));
  return { code, out };
};

describe('calibrate (quick, on the real adapter)', () => {
  it('measures sane positive constants', () => {
    const p = result.profile;
    expect(p.source).toMatch(/^calibrated on .*\(quick\)$/);
    // Orders of magnitude any adapter this runs on satisfies (lavapipe: ~50 us, ~7-13 GB/s, ~2-4 GFLOP/s matmul).
    expect(p.launchMs).toBeGreaterThan(1e-4);
    expect(p.launchMs).toBeLessThan(5);
    expect(p.bytesPerMs).toBeGreaterThan(1e5);
    expect(p.flopsPerMs).toBeGreaterThan(1e5);
    expect(p.matmulFlopsPerMs).toBeGreaterThan(1e4);
    // Shares are rates relative to the fastest kernel of their group, which defines the group's rate.
    expect(Math.max(...Object.values(p.bandwidth!))).toBe(1);
    expect(Math.max(p.matmul!.tiled!, p.matmul!.skinny!, p.matmul!.single!)).toBe(1);
    expect(p.matmul!.skinnyMinRows).toBeGreaterThanOrEqual(1);
    expect(p.matmul!.prologueLoadMs).toBeGreaterThanOrEqual(0);
    expect(result.copyBytesPerMs).toBeGreaterThan(0);
    for (const m of result.measurements) expect(m.ms, m.name).toBeGreaterThan(0);
  });

  it('chooses kernel parameters among the variants codegen offers', () => {
    const k = result.profile.kernels!;
    expect([2, 4, 8]).toContain(k.cell!.vec4PerThread);
    expect([4, 8, 16]).toContain(k.cell!.scalarPerThread);
    expect(['thread', 'group']).toContain(k.reduce!.layout);
    expect(k.row!.minLanes).toBeGreaterThanOrEqual(1);
    expect([0, 16]).toContain(k.row!.cacheMax);
  });

  it('reports progress step by step up to done', () => {
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ done: progress[0]!.total, label: 'done' });
  });

  it('fuseplan calibrate caches the profile per adapter; without --force it reloads it, with --force it measures again', async () => {
    expect(loadProfile(rt.adapterInfo)).toBeNull();
    expect(profileFor(rt)).toBe(DEFAULT_PROFILE);
    const first = await cli('calibrate', '--quick', '--json');
    expect(first.code).toBe(0);
    const stored = JSON.parse(first.out);
    expect(stored.path.startsWith(dir)).toBe(true);
    const cached = loadProfile(rt.adapterInfo)!;
    expect(cached.createdAt).toBe(stored.createdAt);
    expect(profileFor(rt)).toEqual(cached.profile);

    const again = await cli('calibrate', '--quick', '--json');
    expect(JSON.parse(again.out).createdAt).toBe(stored.createdAt); // reloaded, not measured

    const forced = JSON.parse((await cli('calibrate', '--quick', '--force', '--json')).out);
    expect(forced.createdAt).not.toBe(stored.createdAt);
    expect(loadProfile(rt.adapterInfo)!.createdAt).toBe(forced.createdAt);
  }, 120_000);
});
