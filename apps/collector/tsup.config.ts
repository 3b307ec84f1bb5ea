import { defineConfig } from 'tsup';

export default defineConfig({
  // The scoring worker is an entry of its own, because the collector starts it by its file,
  // dist/scoring-worker.js, next to the bundle.
  entry: { cli: 'src/cli.ts', index: 'src/index.ts', 'scoring-worker': 'src/value/scoring-worker.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // The protocol and model packages ship TypeScript source, so they are bundled, with the one
  // library the models use; everything else stays a dependency.
  noExternal: ['@patron/protocol', '@patron/clv', '@stdlib/math-base-special-gammaln'],
  clean: true,
  sourcemap: true,
});
