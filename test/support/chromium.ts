/**
 * Headless Chromium for the viewer and browser tests: Debian's `chromium` package driven by
 * playwright-core (`npx playwright install` cannot download browsers on these machines).
 * WebGPU runs on Chromium's built-in SwiftShader adapter; without `--use-webgpu-adapter=swiftshader`
 * a headless Chromium without a GPU never resolves `navigator.gpu.requestAdapter()`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.FUSEPLAN_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile directory (removed on close). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium package (npm test's pretest step does this as root), or set FUSEPLAN_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'fuseplan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
