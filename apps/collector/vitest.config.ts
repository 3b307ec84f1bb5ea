import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    // CI runs every package's tests at once on two cores, where real SQLite work can take seconds.
    testTimeout: 30_000,
  },
});
