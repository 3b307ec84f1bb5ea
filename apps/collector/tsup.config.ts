import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // The protocol package ships TypeScript source, so it is bundled; everything else stays a dependency.
  noExternal: ['@patron/protocol'],
  clean: true,
  sourcemap: true,
});
