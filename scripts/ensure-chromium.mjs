#!/usr/bin/env node
// Makes sure headless Chromium is there for the viewer and browser tests (test/viewer,
// test/browser), which drive Debian's `chromium` package through playwright-core
// (`npx playwright install` cannot download browsers on the CI machines).
//
// - FUSEPLAN_CHROMIUM names another Chromium/Chrome binary: used as is.
// - /usr/bin/chromium exists: nothing to do.
// - Otherwise, as root on Linux with apt-get: `apt-get install -y chromium`.
// - Otherwise: print what to install and exit non-zero, so the browser tests fail rather than skip.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.FUSEPLAN_CHROMIUM ?? '/usr/bin/chromium';

const HELP = `
The viewer and browser tests need Chromium at ${CHROMIUM}:
  - Debian/Ubuntu, as root:  apt-get update && apt-get install -y chromium
  - elsewhere: set FUSEPLAN_CHROMIUM to a Chromium or Chrome binary (WebGPU-capable, version 113+).`;

function version() {
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function canInstall() {
  return (
    process.platform === 'linux' &&
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    CHROMIUM === '/usr/bin/chromium' &&
    spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0
  );
}

function run(cmd) {
  console.error(`[fuseplan setup] $ ${cmd}`);
  const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${cmd}`);
}

if (existsSync(CHROMIUM)) {
  console.error(`[fuseplan setup] ${version() ?? CHROMIUM}`);
  process.exit(0);
}
if (!canInstall()) {
  console.error(`[fuseplan setup] no Chromium at ${CHROMIUM}`);
  console.error(HELP);
  process.exit(1);
}
console.error('[fuseplan setup] installing Chromium (Debian package chromium) for the browser tests ...');
try {
  run('apt-get update -q');
  run('apt-get install -y -q chromium');
} catch (e) {
  console.error(`[fuseplan setup] ${e.message}`);
  console.error(HELP);
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`[fuseplan setup] still no ${CHROMIUM} after installing chromium`);
  process.exit(1);
}
console.error(`[fuseplan setup] ${version() ?? CHROMIUM}`);
