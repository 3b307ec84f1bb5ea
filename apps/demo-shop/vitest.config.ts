import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each browser test starts its own collector and Chromium; running them one at a time keeps
    // two cores from timing out.
    fileParallelism: false,
  },
});
