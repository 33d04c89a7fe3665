/**
 * Calibrated profiles on disk, one JSON file per adapter (Node only: uses node:fs).
 *
 * Directory: $FUSEPLAN_CACHE_DIR, else $XDG_CACHE_HOME/fuseplan, else ~/.cache/fuseplan.
 * File: profile-<adapter key>.json, the key being vendor, architecture, device and description
 * reduced to [a-z0-9-]. Content: { version, adapter, createdAt, calibrationMs, profile,
 * measurements }. A file that cannot be read, parsed or validated counts as absent (planning falls
 * back to the default profile; `fuseplan calibrate` rewrites it).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AdapterSummary } from '../runtime/types.js';
import { DEFAULT_PROFILE, type DeviceProfile } from '../cost/profile.js';

export const PROFILE_FILE_VERSION = 1;

export interface StoredProfile {
  readonly version: number;
  readonly adapter: AdapterSummary;
  /** ISO date of the calibration. */
  readonly createdAt: string;
  readonly calibrationMs?: number;
  readonly profile: DeviceProfile;
  /** The raw timings behind the profile (see calibrate.ts), for reports. */
  readonly measurements?: readonly unknown[];
  /** The file it was loaded from. */
  readonly path?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function cacheDir(env: Env = process.env): string {
  if (env.FUSEPLAN_CACHE_DIR) return env.FUSEPLAN_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'fuseplan');
  return join(homedir(), '.cache', 'fuseplan');
}

/** A file-name-safe key naming the adapter (and its driver version, through the description). */
export function adapterKey(a: AdapterSummary): string {
  const raw = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== undefined && s !== '').join('-') || 'unknown-adapter';
  return raw.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 160);
}

export function profilePath(a: AdapterSummary, dir: string = cacheDir()): string {
  return join(dir, `profile-${adapterKey(a)}.json`);
}

/** Writes the profile for this adapter (atomically: a temporary file renamed over the old one). */
export function saveProfile(entry: Omit<StoredProfile, 'version' | 'path'>, dir: string = cacheDir()): string {
  mkdirSync(dir, { recursive: true });
  const path = profilePath(entry.adapter, dir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: PROFILE_FILE_VERSION, ...entry }, null, 2) + '\n');
  renameSync(tmp, path);
  return path;
}

/** The stored profile for this adapter, or null if there is none (or it is unreadable). */
export function loadProfile(a: AdapterSummary, dir: string = cacheDir()): StoredProfile | null {
  return readStored(profilePath(a, dir));
}

/** The most recently calibrated profile in the cache (any adapter), or null. */
export function latestProfile(dir: string = cacheDir()): StoredProfile | null {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('profile-') && n.endsWith('.json'));
  } catch {
    return null;
  }
  const stored = names.map((n) => readStored(join(dir, n))).filter((s): s is StoredProfile => s !== null);
  stored.sort((x, y) => Date.parse(y.createdAt) - Date.parse(x.createdAt));
  return stored[0] ?? null;
}

/**
 * A profile from a file given by the user: a stored-profile file, or a bare DeviceProfile object.
 * Throws with the reason when it is not one.
 */
export function readProfileFile(path: string): DeviceProfile {
  const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const inner = typeof doc === 'object' && doc !== null && 'profile' in doc ? (doc as { profile: unknown }).profile : doc;
  const p = checkProfile(inner);
  if (typeof p === 'string') throw new Error(`${path}: not a device profile (${p})`);
  return p;
}

function readStored(path: string): StoredProfile | null {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredProfile>;
    if (doc.version !== PROFILE_FILE_VERSION || typeof doc.adapter !== 'object' || doc.adapter === null) return null;
    const profile = checkProfile(doc.profile);
    if (typeof profile === 'string') return null;
    const createdAt = typeof doc.createdAt === 'string' && !Number.isNaN(Date.parse(doc.createdAt)) ? doc.createdAt : statSync(path).mtime.toISOString();
    return { ...(doc as StoredProfile), createdAt, profile, path };
  } catch {
    return null;
  }
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** The profile, or why it is not one: the four constants must be positive finite numbers. */
export function checkProfile(x: unknown): DeviceProfile | string {
  if (typeof x !== 'object' || x === null) return 'not an object';
  const p = x as Record<string, unknown>;
  for (const k of ['launchMs', 'bytesPerMs', 'flopsPerMs', 'matmulFlopsPerMs'] as const) {
    if (!positive(p[k])) return `${k} must be a positive number`;
  }
  for (const group of ['bandwidth', 'arithmetic', 'matmul'] as const) {
    const g = p[group];
    if (g === undefined) continue;
    if (typeof g !== 'object' || g === null) return `${group} must be an object`;
    for (const [k, v] of Object.entries(g)) {
      if (!positive(v) && !(k === 'prologueLoadMs' && v === 0)) return `${group}.${k} must be a positive number`;
      if (k !== 'skinnyMinRows' && k !== 'prologueLoadMs' && (v as number) > 1) return `${group}.${k} is a share of the maximum rate, at most 1`;
    }
  }
  if (p.kernels !== undefined && (typeof p.kernels !== 'object' || p.kernels === null)) return 'kernels must be an object';
  return { ...(x as DeviceProfile), source: typeof p.source === 'string' ? p.source : 'profile file' };
}

/** Anything with the adapter's summary: a Runtime. */
export interface HasAdapter {
  readonly adapterInfo: AdapterSummary;
}

/** The profile to plan with on this runtime's adapter: the stored calibration, else the default. */
export function profileFor(rt: HasAdapter, dir: string = cacheDir()): DeviceProfile {
  return loadProfile(rt.adapterInfo, dir)?.profile ?? DEFAULT_PROFILE;
}
