import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // The protocol and model packages ship TypeScript source, so they are bundled, with the one
  // library the models use; everything else stays a dependency.
  noExternal: ['@patron/protocol', '@patron/clv', '@stdlib/math-base-special-gammaln'],
  clean: true,
  sourcemap: true,
});
