// Runs every benchmark and writes docs/benchmarks.md with the results and the machine they ran on.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { measureSizes, sizeTable } from './size.mjs';

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}`;
const date = new Date().toISOString().slice(0, 10);

console.log('bench: measuring tracker sizes');
const sizes = measureSizes();
console.log(sizeTable(sizes));

const page = `# Benchmarks

Produced by \`pnpm bench\` (bench/run.mjs) on ${date}, on ${machine}.

## Tracker size

Each script is measured as published: its minified bytes, and its bytes after gzip at level 9.
The other trackers come from their npm packages at the versions named. Umami's script is not
published on npm, so it is not in the table.

${sizeTable(sizes)}

\`patron.js\` contains batching, retries with backoff and Retry-After, the saved queue shared by
tabs, event ids, single-page-app page views, consent, bot filtering, the ecommerce methods and
\`getOffer()\`. CI fails when it grows beyond 3,000 bytes (size-limit, in the tracker's test
script).
`;
writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), page);
console.log('bench: wrote docs/benchmarks.md');
