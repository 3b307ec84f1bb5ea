// Runs every benchmark and writes docs/benchmarks.md with the results and the machine they ran on.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { measureImport } from './import.mjs';
import { measureSizes, sizeTable } from './size.mjs';

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}`;
const date = new Date().toISOString().slice(0, 10);

console.log('bench: measuring tracker sizes');
const sizes = measureSizes();
console.log(sizeTable(sizes));

console.log('bench: importing the Online Retail export');
const imported = measureImport();
const importSection = imported.skipped
  ? `Skipped: ${imported.skipped}.`
  : `| Run | Wall time |
| --- | ---: |
| First import into an empty database, scoring included | ${imported.first.seconds.toFixed(1)} s |
| Second import of the same file (nothing new) | ${imported.second.seconds.toFixed(1)} s |

The first run's report:

\`\`\`
${imported.first.report}
\`\`\``;
console.log(importSection);

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

## Importing order history

\`patron import orders\` on the UCI Online Retail export (541,909 lines, gzip), started as a
separate process as a user runs it, so the times include Node's start. The target is under 10
seconds.

${importSection}
`;
writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), page);
console.log('bench: wrote docs/benchmarks.md');
