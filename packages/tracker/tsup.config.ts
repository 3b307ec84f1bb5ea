import { readFile, writeFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

// Methods used only inside the tracker, renamed to short names in the script-tag build. Public
// methods, options (the script tag reads them from data attributes) and wire fields must never
// appear here.
const internalProperties = /^(getUser|setUser|persist|schedule|flushOnExit|resume|tab|forget)$/;

const script = (name: string, entry: string, debug: boolean): Options => ({
  entry: { [name]: entry },
  format: ['iife'],
  outExtension: () => ({ js: '.js' }),
  target: 'es2020',
  // Terser packs this build about 3% smaller than esbuild's minifier.
  minify: 'terser',
  terserOptions: {
    ecma: 2020,
    toplevel: true,
    // keep_fargs: false lets terser inline the skip helper once debug messages are gone, and no
    // code reads a function's length. unsafe_math turns Number(text) into +text, which parses the same.
    compress: {
      passes: 5,
      unsafe: true,
      unsafe_arrows: true,
      unsafe_methods: true,
      unsafe_comps: true,
      unsafe_math: true,
      pure_getters: true,
      booleans_as_integers: true,
      keep_fargs: false,
    },
    // builtins: these names also exist on DOM objects, which terser would otherwise leave alone.
    mangle: { properties: { regex: internalProperties, builtins: true } },
  },
  treeshake: true,
  define: { __PATRON_DEBUG__: String(debug) },
  // The code does not depend on strict mode, so the directive esbuild adds is dropped (13 bytes).
  async onSuccess() {
    const file = `dist/${name}.js`;
    const code = await readFile(file, 'utf8');
    await writeFile(file, code.replace('"use strict";', ''));
  },
});

export default defineConfig([
  {
    // The npm package: ESM and CommonJS with type declarations, which need no other package, and
    // the webhook verifier for the shop's server.
    entry: { index: 'src/index.ts', datalayer: 'src/datalayer.ts', webhooks: 'src/webhooks.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2020',
    treeshake: true,
    define: { __PATRON_DEBUG__: 'true' },
  },
  // The script-tag builds: patron.js for production, patron.debug.js with console messages, and
  // patron.ga4.js with the bridge that records GA4 ecommerce events pushed to dataLayer.
  script('patron', 'src/script.ts', false),
  script('patron.debug', 'src/script.ts', true),
  script('patron.ga4', 'src/script-ga4.ts', false),
]);
