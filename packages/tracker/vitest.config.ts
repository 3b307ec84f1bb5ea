import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __PATRON_DEBUG__: 'true' },
  test: { environment: 'happy-dom' },
});
