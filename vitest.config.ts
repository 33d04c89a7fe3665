import { defineConfig } from 'vitest/config';

// GPU tests run on lavapipe, a CPU rasterizer, on 2-core machines: one test file at a time, each in
// its own process (Dawn's native state and the setImmediate wrapper stay per file), long timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
