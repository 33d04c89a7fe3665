/**
 * `fuseplan calibrate [--force] [--quick] [--json]`: measure the adapter's cost-model constants and
 * kernel parameters (src/calibrate/calibrate.ts) and store them in the profile cache
 * (src/calibrate/profile-store.ts), or show the stored ones. Also the profile lookup of explain and run.
 */
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { colorsFor } from './colors.js';
import { calibrate, type CalibrationResult } from '../calibrate/calibrate.js';
import { DEFAULT_PROFILE, describeKernelParams, type DeviceProfile } from '../cost/profile.js';
import { latestProfile, loadProfile, profileFor, readProfileFile, saveProfile } from '../calibrate/profile-store.js';
import { createRuntime } from '../runtime/index.js';
import type { Runtime } from '../runtime/types.js';
import { UsageError } from './args.js';

export interface CalibrateFlags {
  force?: boolean;
  quick?: boolean;
  json?: boolean;
}

export async function calibrateCommand(f: CalibrateFlags, out: (s: string) => void): Promise<void> {
  const gpu = await createRuntime();
  try {
    const cached = f.force ? null : loadProfile(gpu.adapterInfo);
    if (cached !== null) {
      if (f.json) out(JSON.stringify(cached, null, 2) + '\n');
      else out(`${colorsFor(process.stdout).bold('cached profile')} ${cached.path} (calibrated ${cached.createdAt}); --force measures again\n${summary(cached.profile)}\n`);
      return;
    }
    const result = await withProgress((onProgress) => calibrate(gpu, { quick: f.quick === true, onProgress }));
    const entry = { adapter: result.adapter, createdAt: new Date().toISOString(), calibrationMs: result.ms, profile: result.profile, measurements: result.measurements };
    const path = saveProfile(entry);
    if (f.json) out(JSON.stringify({ version: 1, ...entry, path, copyBytesPerMs: result.copyBytesPerMs, transposedA: result.transposedA }, null, 2) + '\n');
    else out(report(result, path));
  } finally {
    gpu.destroy();
  }
}

/** A progress bar on a terminal's stderr; one line per step otherwise (CI logs, pipes). */
async function withProgress<T>(run: (onProgress: (p: { done: number; total: number; label: string }) => void) => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) {
    return run((p) => void process.stderr.write(`calibrate [${p.done}/${p.total}] ${p.label}\n`));
  }
  const bar = new SingleBar({ format: 'calibrating [{bar}] {value}/{total} {label}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, undefined);
  let started = false;
  try {
    return await run((p) => {
      if (!started) bar.start(p.total, p.done, { label: p.label });
      else bar.update(p.done, { label: p.label });
      started = true;
    });
  } finally {
    if (started) bar.stop();
  }
}

const gbps = (bytesPerMs: number | undefined): string => (bytesPerMs === undefined ? '-' : `${(bytesPerMs / 1e6).toFixed(2)} GB/s`);
const gflops = (perMs: number | undefined): string => (perMs === undefined ? '-' : `${(perMs / 1e6).toFixed(2)} GFLOP/s`);

function summary(p: DeviceProfile): string {
  const b = p.bandwidth ?? {};
  const m = p.matmul ?? {};
  const bw = (share: number | undefined): string => gbps(p.bytesPerMs * (share ?? 1));
  const mm = (share: number | undefined): string => gflops(p.matmulFlopsPerMs * (share ?? 1));
  const t = new Table({ head: ['constant', 'value'] });
  t.push(
    ['source', p.source],
    ['launch (per dispatch)', `${(p.launchMs * 1000).toFixed(1)} us`],
    ['bandwidth cell / reduce / row / unfused', `${bw(b.cell)} / ${bw(b.reduce)} / ${bw(b.row)} / ${bw(b.single)}`],
    ['arithmetic cell / row (weighted flops)', `${gflops(p.flopsPerMs)} / ${gflops(p.flopsPerMs * (p.arithmetic?.row ?? 1))}`],
    ['matmul tiled / skinny / unfused', `${mm(m.tiled)} / ${mm(m.skinny)} / ${mm(m.single)}`],
    ['skinny matmul: min rows', m.skinnyMinRows === undefined ? '-' : String(m.skinnyMinRows)],
    ['matmul prologue: per extra tensor read', m.prologueLoadMs === undefined ? '-' : `${(m.prologueLoadMs * 1e6).toFixed(2)} ns per element`],
    ['kernel parameters', describeKernelParams(p)],
  );
  return t.toString();
}

function report(res: CalibrationResult, path: string): string {
  const m = new Table({ head: ['measurement', 'ms', 'rate'] });
  for (const x of res.measurements) m.push([x.name, x.ms.toFixed(3), x.rate === undefined ? '' : x.name.startsWith('arith') || x.name.includes('matmul') ? gflops(x.rate) : gbps(x.rate)]);
  return [
    `${colorsFor(process.stdout).bold('calibrated')} in ${(res.ms / 1000).toFixed(1)} s; copyBufferToBuffer ${gbps(res.copyBytesPerMs)}; transposed A in the matmul kernel: tiled x${res.transposedA.tiled.toFixed(2)}, skinny x${res.transposedA.skinny.toFixed(2)}`,
    m.toString(),
    summary(res.profile),
    `saved to ${path}`,
    '',
  ].join('\n');
}

/**
 * The profile explain plans with (it has no device): `--device-profile <file>` (a stored profile
 * or a bare DeviceProfile JSON), `default`, or else the most recently calibrated profile in the
 * cache, else the default.
 */
export function profileForExplain(flag: string | undefined): DeviceProfile {
  if (flag === 'default') return DEFAULT_PROFILE;
  if (flag !== undefined) return readUserProfile(flag);
  return latestProfile()?.profile ?? DEFAULT_PROFILE;
}

/** The profile run plans with: `--device-profile`, else the stored one for this adapter, else the default. */
export function profileForRun(flag: string | undefined, gpu: Runtime): DeviceProfile {
  if (flag === 'default') return DEFAULT_PROFILE;
  if (flag !== undefined) return readUserProfile(flag);
  return profileFor(gpu);
}

function readUserProfile(file: string): DeviceProfile {
  try {
    return readProfileFile(file);
  } catch (e) {
    throw new UsageError(`--device-profile: ${e instanceof Error ? e.message : String(e)}`);
  }
}
