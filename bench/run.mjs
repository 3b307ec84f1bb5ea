// Runs every benchmark and writes docs/benchmarks.md with the results and the machine they ran on.
// The performance ratios (bench/perf.mjs) and admission under overload (bench/priority.mjs) run as
// child processes, each writing its own page, and this page summarises them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import { measureFit } from './clv.mjs';
import { measureImport } from './import.mjs';
import { measureOffers } from './offers.mjs';
import { defaults as perfDefaults } from './perf.mjs';
import { targetsTable } from './perf-report.mjs';
import { measureSizes, sizeTable } from './size.mjs';

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}`;
const date = new Date().toISOString().slice(0, 10);
// Programs other than the benchmarks slow every figure, so the page states how busy the machine was.
const startLoad = loadavg()[0];

console.log('bench: measuring tracker sizes');
const sizes = measureSizes();
console.log(sizeTable(sizes));

/** The import's own time, from the "Imported … in N s" line of its report. */
const importSeconds = (report) => /in ([\d.]+) s:/.exec(report)?.[1] ?? '?';

console.log('bench: importing the Online Retail export');
const imported = measureImport();
const importSection = imported.skipped
  ? `Skipped: ${imported.skipped}.`
  : `| Run | Import | Whole command |
| --- | ---: | ---: |
| First import into an empty database | ${importSeconds(imported.first.report)} s | ${imported.first.seconds.toFixed(1)} s |
| Second import of the same file (nothing new) | ${importSeconds(imported.second.report)} s | ${imported.second.seconds.toFixed(1)} s |

"Import" is the time the command reports for reading the file and storing orders and profiles;
"whole command" adds Node's start, RFM scoring and fitting the lifetime-value models.

The first run's report:

\`\`\`
${imported.first.report}
\`\`\``;
console.log(importSection);

console.log('bench: fitting the value models to CDNOW');
const fit = await measureFit();
const fitSection = fit.skipped
  ? `Skipped: ${fit.skipped}.`
  : `Fitting both models to ${fit.customers.toLocaleString('en')} customers took ${fit.seconds.toFixed(2)} s, summarising the raw purchases included (BG/NBD r = ${fit.purchasesFit.params.r.toFixed(3)}, α = ${fit.purchasesFit.params.alpha.toFixed(3)}, a = ${fit.purchasesFit.params.a.toFixed(3)}, b = ${fit.purchasesFit.params.b.toFixed(3)}; Gamma-Gamma p = ${fit.spendFit.params.p.toFixed(3)}, q = ${fit.spendFit.params.q.toFixed(3)}, γ = ${fit.spendFit.params.gamma.toFixed(3)}).`;
console.log(fitSection);

console.log('bench: timing offer decisions against 100,000 profiles');
const offers = await measureOffers();
const milliseconds = (value) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const offerRow = (load, run) =>
  `| ${offers.data.profiles.toLocaleString('en')} | ${load} | ${run.requests.toLocaleString('en')} | ${milliseconds(run.p50)} | ${milliseconds(run.p90)} | ${milliseconds(run.p99)} | ${milliseconds(run.max)} | ${(run.failed + run.non2xx).toLocaleString('en')} |`;
const { atRate, flatOut } = offers;
const offerSection = `| Profiles | Load | Requests | p50 | p90 | p99 | Max | Errors |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${offerRow(`${offers.rate} requests/s for ${offers.measureSeconds} s`, atRate)}
${offerRow(`${flatOut.connections} connections flat out: ${Math.round(flatOut.perSecond)} requests/s`, flatOut)}

At ${offers.rate} requests/s the p99 seen by the client is ${milliseconds(atRate.p99)}, so the target of 5 ms is ${atRate.p99 < 5 ? 'met' : 'not met'} from the client's side.
The collector's own request-time histogram counted ${(offers.collectorWithin5ms * 100).toFixed(1)}% of those decisions within 5 ms, so the p99 inside the collector is ${offers.collectorWithin5ms >= 0.99 ? 'under' : 'over'} 5 ms.
The machine's 1-minute load average was ${offers.loadAverage.toFixed(1)} at the end of that phase, on ${cpus().length} cores.
Of the ${atRate.requests.toLocaleString('en')} decisions, ${atRate.outcomes.offer.toLocaleString('en')} showed an offer, ${atRate.outcomes.control.toLocaleString('en')} fell in an offer's control group,
${atRate.outcomes.holdout.toLocaleString('en')} in the holdout and ${atRate.outcomes.none.toLocaleString('en')} matched no offer. The collector's resident memory was ${Math.round(offers.residentMemoryBytes / 2 ** 20)} MiB at the end.`;
console.log(offerSection);

const root = new URL('..', import.meta.url).pathname;

/** Runs a benchmark script as a child process; returns an explanation for the page when it fails, instead of stopping the whole run. */
function runChild(script, stdio) {
  try {
    execFileSync(process.execPath, [script], { cwd: root, stdio });
    return undefined;
  } catch (error) {
    console.error(`bench: ${script} failed: ${error.message}`);
    return `${script} failed in this run (${error.status === null ? `signal ${error.signal}` : `exit code ${error.status}`}); its output above the failure is in the log of \`pnpm bench\`. The figures below, if any, are from its last successful run.`;
  }
}

console.log('bench: performance ratios and growth (bench/perf.mjs, about 10 minutes, longer when it fills its large database)');
const perfFailure = runChild('bench/perf.mjs', 'inherit');
const perfResultsPath = join(perfDefaults.cacheDir, 'last-results.json');
const perfSection = [perfFailure, existsSync(perfResultsPath) ? targetsTable(JSON.parse(readFileSync(perfResultsPath, 'utf8'))) : undefined].filter(Boolean).join('\n\n');
console.log(perfSection);

console.log('bench: admission by tier under overload (bench/priority.mjs, a few minutes)');
const priorityFailure = runChild('bench/priority.mjs', ['ignore', 'ignore', 'inherit']);
const priorityPage = readFileSync(join(root, 'docs/priority.md'), 'utf8');
const measuredAt = priorityPage.indexOf('\n## Measured\n');
const priorityMeasured = measuredAt < 0 ? undefined : priorityPage.slice(measuredAt).replace('\n## Measured\n', '').replace(/^#/gm, '##').trim();
const prioritySection = [priorityFailure, priorityMeasured].filter(Boolean).join('\n\n');

const page = `# Benchmarks

Produced by \`pnpm bench\` (bench/run.mjs) on ${date}, on ${machine}, with a 1-minute load average
of ${startLoad.toFixed(1)} when it started.

## Tracker size

Each script is measured as published: its minified bytes, and its bytes after gzip at level 9.
The other trackers come from their npm packages at the versions named. Umami's script is not
published on npm, so it is not in the table.

${sizeTable(sizes)}

\`patron.js\` contains batching, retries with backoff and Retry-After, the saved queue shared by
tabs, event ids, single-page-app page views, consent, bot filtering, the ecommerce methods,
\`getOffer()\` with exposures, clicks, dismissals and its timeout, and the priority pass. CI fails when it grows beyond 3,300 bytes (size-limit, in the tracker's test
script).

## Importing order history

\`patron import orders\` on the UCI Online Retail export (541,909 lines, gzip), started as a
separate process as a user runs it. The target is under 10 seconds for the import.

${importSection}

## Fitting the lifetime-value models

BG/NBD and Gamma-Gamma fitted to the full CDNOW master file (all 23,570 customers of the cohort,
weeks 1 to 39), in one process. The target is under 2 seconds.

${fitSection}

## Offer decisions

\`POST /v1/offer\` to \`patron serve\` on loopback, for one site with eight offers, a 2% holdout
and caps, and a database of ${offers.data.profiles.toLocaleString('en')} profiles made by bench/offers.mjs with a fixed seed:
${offers.data.visitors.toLocaleString('en')} visitor ids, ${offers.data.sessions.toLocaleString('en')} sessions, ${offers.data.orders.toLocaleString('en')} orders and ${offers.data.decisions.toLocaleString('en')} earlier decisions.
Nine requests in ten are for known visitors. Each decision reads the visitor's profile, sessions,
orders, earlier decisions and kept assignments, and stores a row in \`decisions\` (and any new
assignments) in the next group commit, which the response does not wait for. The latency runs from sending the request
to receiving the whole response, measured by the benchmark's client (undici), which shares the
machine's cores with the collector. Requests at a fixed rate are sent on schedule whether or not
earlier responses arrived. The target is a p99 under 5 ms.

${offerSection}

## Performance against baselines

bench/perf.mjs measures each target of the collector as a ratio to a baseline in the same run:
a no-op Hono server, and bare better-sqlite3 inserts into the same schema. It also loads a database
of 10 million events and 1 million profiles to measure growth, and samples the collector's memory.
The whole analysis, with profiles and the machine's load during each phase, is in
[performance.md](performance.md).

${perfSection}

## Preferred service under overload

bench/priority.mjs finds the collector's capacity, then sends open-loop load at multiples of it,
first come, first served and by tier. Tiers and the pass are explained in
[priority.md](priority.md), whose chart shows the same run.

${prioritySection}
`;
writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), page);
console.log('bench: wrote docs/benchmarks.md');