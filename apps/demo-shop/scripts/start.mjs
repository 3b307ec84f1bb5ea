// Starts the collector with the demo shop: its configuration, and its pages served at /.
// PATRON_CONFIG, PATRON_PUBLIC and the other PATRON_* variables, or flags after `pnpm start`,
// still take precedence.
import { fileURLToPath } from 'node:url';

process.env.PATRON_CONFIG ??= fileURLToPath(new URL('../patron.config.json', import.meta.url));
process.env.PATRON_PUBLIC ??= fileURLToPath(new URL('../dist', import.meta.url));
process.argv.splice(2, 0, 'serve');
await import('@patron/collector/cli');
