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
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { AdapterSummary } from '../runtime/types.js';
import { DEFAULT_PROFILE, ProfileDataCodec, type DeviceProfile } from '../cost/profile.js';
import { decodeWith, describeErrors, type SameType } from '../ir/decode.js';
import { FuseplanError } from '../ir/errors.js';

const PROFILE_FILE_VERSION = 1;

const AdapterSummaryCodec = t.intersection([
  t.type({ vendor: t.string, architecture: t.string, device: t.string, description: t.string }),
  t.partial({ subgroupMinSize: t.number, subgroupMaxSize: t.number }),
]);
// The runtime owns AdapterSummary; this fails to compile if the codec and that type part ways.
const adapterCodecMatches: SameType<t.TypeOf<typeof AdapterSummaryCodec>, AdapterSummary> = true;
void adapterCodecMatches;

/** A profile file as written by saveProfile (createdAt, when absent or unreadable, is the file's mtime). */
const StoredProfileCodec = t.intersection(
  [
    t.type({ version: t.literal(PROFILE_FILE_VERSION), adapter: AdapterSummaryCodec, profile: ProfileDataCodec }),
    t.partial({ createdAt: t.string, calibrationMs: t.number, measurements: t.readonlyArray(t.unknown) }),
  ],
  'stored profile',
);

export interface StoredProfile extends Readonly<Omit<t.TypeOf<typeof StoredProfileCodec>, 'version'>> {
  readonly version: number;
  /** ISO date of the calibration. */
  readonly createdAt: string;
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

function profilePath(a: AdapterSummary, dir: string = cacheDir()): string {
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
 * Throws FuseplanError('format') with the reason when it is not one.
 */
export function readProfileFile(path: string): DeviceProfile {
  const text = readFileSync(path, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FuseplanError('format', `${path}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const inner = typeof doc === 'object' && doc !== null && 'profile' in doc ? (doc as { profile: unknown }).profile : doc;
  const decoded = decodeWith(ProfileDataCodec, inner, `${path}: not a device profile`);
  if (E.isLeft(decoded)) throw decoded.left;
  return withSource(decoded.right, 'profile file');
}

function readStored(path: string): StoredProfile | null {
  try {
    const decoded = StoredProfileCodec.decode(JSON.parse(readFileSync(path, 'utf8')));
    if (E.isLeft(decoded)) return null;
    const stored = decoded.right;
    const createdAt = stored.createdAt !== undefined && !Number.isNaN(Date.parse(stored.createdAt)) ? stored.createdAt : statSync(path).mtime.toISOString();
    return { ...stored, createdAt, profile: withSource(stored.profile, 'profile file'), path };
  } catch {
    // Unreadable, not JSON, or gone since the directory was listed: absent.
    return null;
  }
}

const withSource = (p: t.TypeOf<typeof ProfileDataCodec>, fallback: string): DeviceProfile => ({ ...p, source: p.source ?? fallback });

/** The profile, or why it is not one (the path of each bad field and what it must be). */
export function checkProfile(x: unknown): DeviceProfile | string {
  const decoded = ProfileDataCodec.decode(x);
  return E.isLeft(decoded) ? describeErrors(decoded.left) : withSource(decoded.right, 'profile file');
}

/** Anything with the adapter's summary: a Runtime. */
export interface HasAdapter {
  readonly adapterInfo: AdapterSummary;
}

/** The profile to plan with on this runtime's adapter: the stored calibration, else the default. */
export function profileFor(rt: HasAdapter, dir: string = cacheDir()): DeviceProfile {
  return loadProfile(rt.adapterInfo, dir)?.profile ?? DEFAULT_PROFILE;
}
