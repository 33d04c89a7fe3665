import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

// GPU tests run on lavapipe, a CPU rasterizer, on 2-core machines: one test file at a time, each in
// its own process (Dawn's native state and the setImmediate wrapper stay per file), long timeouts.
export default defineConfig({
  // 'fuseplan' in model files and doc snippets the tests load means these sources, as bin/fuseplan.mjs
  // maps it in a checkout (test/docs runs the docs' snippets in-process).
  resolve: {
    alias: [
      { find: /^fuseplan$/, replacement: source('./src/index.ts') },
      { find: /^fuseplan\/browser$/, replacement: source('./src/browser.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
