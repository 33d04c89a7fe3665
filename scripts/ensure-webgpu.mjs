#!/usr/bin/env node
// Makes sure a WebGPU adapter can be had before the demo or the tests run.
//
// 1. Probe: ask Dawn (the `webgpu` package) for an adapter in a child process.
// 2. None on Linux: the machine lacks a Vulkan driver. Without a GPU that driver is Mesa's lavapipe,
//    and Dawn needs Mesa >= 25 (Debian 12's own Mesa 22 is rejected). As root with apt on Debian 12
//    we install it from bookworm-backports; otherwise we stop and print the exact commands.
// 3. Probe again; exit non-zero with the reason if there is still no adapter, so GPU tests fail
//    rather than skip.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

process.env.XDG_RUNTIME_DIR ??= '/tmp';

const PROBE = `
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const a = await gpu.requestAdapter();
if (!a) { console.log('NO_ADAPTER'); process.exit(3); }
const i = a.info;
console.log('ADAPTER ' + [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / '));
process.exit(0);
`;

function probe() {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8', timeout: 60_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('ADAPTER '));
  return { ok: r.status === 0 && line !== undefined, detail: line?.slice(8) ?? `${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || 'no adapter'}` };
}

const BACKPORTS_FILE = '/etc/apt/sources.list.d/fuseplan-backports.sources';
const INSTALL_HELP = `
fuseplan needs a WebGPU adapter. On Linux that means a Vulkan driver:
  - with a GPU: your GPU's Vulkan driver and the Vulkan loader (Debian/Ubuntu: libvulkan1 plus e.g. mesa-vulkan-drivers or the NVIDIA driver);
  - without a GPU: Mesa >= 25's lavapipe (software Vulkan). On Debian 12, as root:
      uri=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources | head -n 1)
      printf 'Types: deb\\nURIs: %s\\nSuites: bookworm-backports\\nComponents: main\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' "$uri" > ${BACKPORTS_FILE}
      apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers && apt-get install -y libvulkan1
On macOS and Windows, npm ci is normally all you need (Metal / D3D12 through Dawn).`;

function canAutoInstall() {
  if (process.platform !== 'linux' || typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status !== 0) return false;
  const osr = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  return /VERSION_CODENAME=bookworm/.test(osr);
}

function debianMirror() {
  const src = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(src)) {
    const m = readFileSync(src, 'utf8').match(/^URIs:\s*(\S+)/m);
    if (m) return m[1];
  }
  if (existsSync('/etc/apt/sources.list')) {
    const m = readFileSync('/etc/apt/sources.list', 'utf8').match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m);
    if (m) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

function run(cmd) {
  console.error(`[fuseplan setup] $ ${cmd}`);
  const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${cmd}`);
}

function installLavapipe() {
  const hasBackports = spawnSync('sh', ['-c', "grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/"]).status === 0;
  if (!hasBackports) {
    writeFileSync(
      BACKPORTS_FILE,
      `Types: deb\nURIs: ${debianMirror()}\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
    );
  }
  run('apt-get update -q');
  run('apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers');
  run('apt-get install -y -q libvulkan1');
}

let p = probe();
if (p.ok) {
  console.error(`[fuseplan setup] WebGPU ${p.detail}`);
  process.exit(0);
}
console.error(`[fuseplan setup] no WebGPU adapter yet (${p.detail})`);
if (!canAutoInstall()) {
  console.error(INSTALL_HELP);
  process.exit(1);
}
console.error('[fuseplan setup] installing Mesa lavapipe (software Vulkan) from bookworm-backports ...');
try {
  installLavapipe();
} catch (e) {
  console.error(`[fuseplan setup] ${e.message}`);
  console.error(INSTALL_HELP);
  process.exit(1);
}
p = probe();
if (!p.ok) {
  console.error(`[fuseplan setup] still no WebGPU adapter after installing lavapipe (${p.detail})`);
  console.error(INSTALL_HELP);
  process.exit(1);
}
console.error(`[fuseplan setup] WebGPU ${p.detail}`);
