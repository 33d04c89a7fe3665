/**
 * What to tell a user who has no WebGPU adapter. The Linux text comes from what was verified on
 * Debian 12: its own Mesa 22 Vulkan driver is rejected by Dawn, Mesa 25 from backports works.
 */

const LINUX = `On Linux without a GPU, install Mesa 25's lavapipe (software Vulkan) and the Vulkan loader.
Debian 12 (bookworm) ships Mesa 22, which Dawn rejects; take Mesa 25 from bookworm-backports, as root:

  uri=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources | head -n 1)
  printf 'Types: deb\\nURIs: %s\\nSuites: bookworm-backports\\nComponents: main\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' "$uri" \\
    > /etc/apt/sources.list.d/backports.sources
  apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers && apt-get install -y libvulkan1

Other distributions: install mesa-vulkan-drivers (Mesa >= 25) and libvulkan1, or your GPU's Vulkan driver.
Check with: vulkaninfo --summary (package vulkan-tools). Set XDG_RUNTIME_DIR to any writable directory.`;

const MAC_WIN = `On macOS and Windows nothing beyond \`npm ci\` is normally needed: the webgpu package ships a
prebuilt Dawn (Metal / Direct3D 12). Check that \`npm ci\` completed and the GPU driver is current.`;

const BROWSER = `In a browser, navigator.gpu needs WebGPU support: a current Chrome/Edge (113+), Safari 26+ or
Firefox 141+, served from a secure context (https or localhost). Headless Chromium on Linux needs
--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader.`;

export function nodeInstallHelp(platform: string = typeof process !== 'undefined' ? process.platform : ''): string {
  if (platform === 'darwin' || platform === 'win32') return MAC_WIN;
  return LINUX;
}

export function noAdapterMessage(backend: 'node' | 'browser', why: string): string {
  const help = backend === 'browser' ? BROWSER : nodeInstallHelp();
  return `no WebGPU adapter (${why}).\n${help}`;
}
