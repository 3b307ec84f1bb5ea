import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The npm package: ESM and CommonJS with type declarations.
    // TODO: the declarations import '@patron/protocol', which is not published yet; inline those
    // types or publish the protocol package before publishing the tracker.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2020',
    clean: false,
    treeshake: true,
  },
  {
    // The script-tag build: one minified file that sets up window.patron.
    entry: { patron: 'src/script.ts' },
    format: ['iife'],
    outExtension: () => ({ js: '.js' }),
    target: 'es2020',
    minify: true,
    treeshake: true,
  },
]);
