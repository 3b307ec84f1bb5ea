// Writes the figures of bench/perf.mjs as the Markdown page docs/performance.md: the targets with
// their baselines and ratios, where the time goes according to the profiles, and the changes to
// the collector that the figures point to.
import { profileTables } from './perf-profile.mjs';

const whole = (value) => Math.round(value).toLocaleString('en');
const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const msPrecise = (value) => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a');
const percent = (value) => `${(value * 100).toFixed(0)} %`;
const signedPercent = (value) => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(0)} %`;
const mebibytes = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const seconds = (micros) => `${(micros / 1e6).toFixed(1)} s`;
const mean = (a, b) => (a + b) / 2;

/** Returns "met" or "missed by …" for a ratio that must be at least `target`. */
const atLeast = (ratio, target) => (ratio >= target ? 'met' : `missed by ${((target - ratio) * 100).toFixed(0)} points`);

/** Returns the change from `before` to `after` as a signed percentage. */
const change = (before, after) => `${after >= before ? '+' : '−'}${Math.abs(((after - before) / before) * 100).toFixed(0)} %`;

/** Returns "met" when `after` is at most `share` worse than `before`. `lowerIsBetter` is true for latency, false for throughput. */
function withinShare(before, after, share, lowerIsBetter) {
  const worse = lowerIsBetter ? after / before - 1 : 1 - after / before;
  return worse <= share ? 'met' : `missed: ${(worse * 100).toFixed(0)} % worse, the bound is ${(share * 100).toFixed(0)} %`;
}

/** Shed and failed requests of a run, for the tables' last column. */
const refusals = (run) => `${whole(run.shed)} shed, ${whole(run.errors)} failed`;

/** Returns a server's CPU milliseconds per response, shed responses included because they cost CPU too. */
const cpuPerRequest = (run, cpuSeconds) => (cpuSeconds * 1000) / Math.max(1, run.ok + run.shed);

/** Derives the ratios the targets are about from the raw figures. */
export function ratios(results) {
  const noopEvents = mean(results.noopBefore.events.perSecond, results.noopAfter.events.perSecond);
  const noopOffer = mean(results.noopBefore.offer.perSecond, results.noopAfter.offer.perSecond);
  const noopEventsCpu = mean(
    cpuPerRequest(results.noopBefore.events, results.noopBefore.events.serverCpuSeconds),
    cpuPerRequest(results.noopAfter.events, results.noopAfter.events.serverCpuSeconds),
  );
  const noopOfferCpu = mean(
    cpuPerRequest(results.noopBefore.offer, results.noopBefore.offer.serverCpuSeconds),
    cpuPerRequest(results.noopAfter.offer, results.noopAfter.offer.serverCpuSeconds),
  );
  const { small, large } = results;
  return {
    noopEvents,
    noopOffer,
    noopEventsCpu,
    noopOfferCpu,
    events: small.events.perSecond / noopEvents,
    batches: small.batches.rowsPerSecond / results.bareInsert.rowsPerSecond,
    offer: small.offer.perSecond / noopOffer,
    eventsCpu: cpuPerRequest(small.events, small.events.collectorCpuSeconds),
    offerCpu: cpuPerRequest(small.offer, small.offer.collectorCpuSeconds),
    largeEventsCpu: cpuPerRequest(large.events, large.events.collectorCpuSeconds),
  };
}

/** Formats inclusive times (microseconds by function name) as a table with shares of the sampled time. */
function inclusiveTable(inclusive, sampledSeconds) {
  const rows = Object.entries(inclusive).map(([name, micros]) => `| \`${name}\` | ${seconds(micros)} | ${percent(micros / 1e6 / sampledSeconds)} |`);
  return `| Function, callees included | Time | Share of sampled |
| --- | ---: | ---: |
${rows.join('\n')}`;
}

/** Returns the self-time share of a function in a profile summary, or 0 when it is not among the top entries. */
const selfShare = (summary, name) => summary.functions.find((entry) => entry.name === name)?.share ?? 0;

/** Returns the self-time share of the code in one place (a package, the collector) in a profile summary. */
const placeShare = (summary, place) => summary.places.find((entry) => entry.place === place)?.share ?? 0;

/** Returns the figures of a run that the table of runs compares. */
export function runSummary(results) {
  const r = ratios(results);
  return {
    date: results.date,
    startedAt: results.startedAt,
    commit: results.commit,
    events: r.events,
    batches: r.batches,
    offer: r.offer,
    offerP99Ms: results.small.offerOpen.latencyMs.p99,
    largeOfferP99Ms: results.large.offerOpen.latencyMs.p99,
    growthEvents: results.large.events.perSecond / results.small.events.perSecond - 1,
    growthBatches: results.large.batches.rowsPerSecond / results.small.batches.rowsPerSecond - 1,
    peakMemoryBytes: results.memory.peakBytes,
    bareCommitsPerSecond: results.bareInsert.transactionsPerSecond,
  };
}

/** Formats the summaries of runs, oldest first, as a table. */
function runsTable(runs) {
  const rows = runs.map(
    (run) =>
      `| ${run.startedAt ?? run.date} | ${run.commit ?? 'unknown'} | ${percent(run.events)} | ${percent(run.batches)} | ${percent(run.offer)} | ${ms(run.offerP99Ms)} / ${ms(run.largeOfferP99Ms)} | ${signedPercent(run.growthEvents)} | ${signedPercent(run.growthBatches)} | ${megabytes(run.peakMemoryBytes)} | ${whole(run.bareCommitsPerSecond)} |`,
  );
  return `| Run started (UTC) | Commit | Ingest, one event | Batches | getOffer | getOffer p99, small / large | Growth, one event | Growth, batches | Peak memory | Bare commits/s |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`;
}

/** Returns the table of the targets: each figure with its baseline, the ratio, the bound and whether it was met. */
export function targetsTable(results) {
  const r = ratios(results);
  const { small, large, memory, settings } = results;
  return `| Target | Collector | Baseline | Ratio or value | Bound | Result |
| --- | ---: | ---: | ---: | ---: | --- |
| Ingest, one event a request | ${whole(small.events.perSecond)} requests/s | ${whole(r.noopEvents)} requests/s (no-op Hono) | ${percent(r.events)} | ≥ 60 % | ${atLeast(r.events, 0.6)} |
| Ingest, batches of ${settings.batchSize} | ${whole(small.batches.rowsPerSecond)} events/s | ${whole(results.bareInsert.rowsPerSecond)} rows/s (bare better-sqlite3) | ${percent(r.batches)} | ≥ 50 % | ${atLeast(r.batches, 0.5)} |
| getOffer throughput | ${whole(small.offer.perSecond)} requests/s | ${whole(r.noopOffer)} requests/s (no-op Hono) | ${percent(r.offer)} | ≥ 50 % | ${atLeast(r.offer, 0.5)} |
| getOffer p99 at ${whole(small.offerOpen.rate)} requests/s (half the full speed) | ${ms(small.offerOpen.latencyMs.p99)} | | | < 5 ms | ${small.offerOpen.latencyMs.p99 < 5 ? 'met' : `missed by ${ms(small.offerOpen.latencyMs.p99 - 5)}`} |
| Growth: one-event ingest | ${whole(large.events.perSecond)} requests/s | ${whole(small.events.perSecond)} on the small database | ${change(small.events.perSecond, large.events.perSecond)} | within 25 % | ${withinShare(small.events.perSecond, large.events.perSecond, 0.25, false)} |
| Growth: batch ingest | ${whole(large.batches.rowsPerSecond)} events/s | ${whole(small.batches.rowsPerSecond)} on the small database | ${change(small.batches.rowsPerSecond, large.batches.rowsPerSecond)} | within 25 % | ${withinShare(small.batches.rowsPerSecond, large.batches.rowsPerSecond, 0.25, false)} |
| Growth: getOffer p99 at ${whole(large.offerOpen.rate)} requests/s | ${ms(large.offerOpen.latencyMs.p99)} | ${ms(small.offerOpen.latencyMs.p99)} on the small database | ${change(small.offerOpen.latencyMs.p99, large.offerOpen.latencyMs.p99)} | within 25 % | ${withinShare(small.offerOpen.latencyMs.p99, large.offerOpen.latencyMs.p99, 0.25, true)} |
| Peak resident memory | ${megabytes(memory.peakBytes)} | | | < 300 MB | ${memory.peakBytes < 300e6 ? 'met' : `missed by ${megabytes(memory.peakBytes - 300e6)}`} |`;
}

/** Returns the whole page. `runs` are the summaries of the latest runs on this machine, this one last. */
export function performancePage(results, runs = [runSummary(results)]) {
  const r = ratios(results);
  const { small, large, largeFill, largeSize, memory, settings, profiles, profileUpdate } = results;
  const eventsPerMillion = largeSize.bytes / (largeSize.events / 1e6);
  const loadTable = results.loadAverages.map(({ phase, oneMinute }) => `| ${phase} | ${oneMinute.toFixed(2)} |`).join('\n');
  const middleware = results.noopMiddleware;
  const scoring = (phase) => (Number.isFinite(phase.scoringSeconds) ? `${phase.scoringSeconds.toFixed(1)} s` : 'not measured');
  const memoryRows = Object.entries(memory.byPhase).map(([phase, bytes]) => `| ${phase} | ${mebibytes(bytes)} (${megabytes(bytes)}) |`).join('\n');
  const middlewareCpu = cpuPerRequest(middleware.all, middleware.all.serverCpuSeconds);
  // Shares of a profile's busy time spent in a function, callees included.
  const eventsInclusive = (name) => (profiles.events.inclusive[name] ?? 0) / 1e6 / profiles.events.summary.busySeconds;
  const offerInclusive = (name) => (profiles.offer.inclusive[name] ?? 0) / 1e6 / profiles.offer.summary.busySeconds;
  const every = profileUpdate['every column'];
  const changed = profileUpdate['changed columns'];

  return `# Performance

Produced by \`node bench/perf.mjs\` (after \`pnpm build\`) on ${results.date}, on ${results.machine},
for the collector built from commit ${results.commit ?? 'unknown'}.
Each figure is compared with a baseline measured in the same run on the same machine. Closed-loop
runs use autocannon with ${settings.connections} connections for ${settings.seconds} s after ${settings.warmUpSeconds} s of warm-up. The
open-loop runs send requests on a fixed schedule with undici and count each latency from the
request's scheduled time. Shed requests (503, or an offer answered "the collector is busy") and
failed ones never count as successes. The collector runs with its rate limits raised far above the
load, because all the load comes from one address and the default limits (10 requests/s per
address, 1,000 per site) would reject most of it with 429. It also runs with \`PATRON_ADMISSION=off\`,
so that every request is served in arrival order and the figures are the collector's own speed.
Admission by tier sheds requests while the event loop lags, which a closed loop that keeps the
collector busy causes; [priority.md](priority.md) measures it under overload.

The machine was shared with other work during the run (see [Load on the machine](#load-on-the-machine)),
so absolute figures are low and vary between runs. The ratios compare figures taken minutes apart,
and the CPU time per request, read from /proc, depends less on the sharing.

## Targets

${targetsTable(results)}

Database size: ${mebibytes(eventsPerMillion)} per million events (${(largeSize.bytes / 2 ** 30).toFixed(2)} GiB for
${whole(largeSize.events)} events with ${whole(largeFill.profiles)} profiles, ${whole(largeFill.sessions)} sessions and ${whole(largeFill.decisions)} offer decisions,
after a WAL checkpoint). The whole file is counted, so profiles, sessions and decisions are in the figure.

The ratio targets for one-event ingest and getOffer are out of reach for this design on this
machine, not only for its current code. The no-op server used ${msPrecise(r.noopEventsCpu)} of CPU per request, so 60 % of
its rate allows about ${msPrecise(r.noopEventsCpu / 0.6)} per one-event request and 50 % about ${msPrecise(r.noopOfferCpu / 0.5)} per decision. The
collector's middleware alone (request id, prom-client metrics, CORS) used ${msPrecise(middlewareCpu)} in the
no-op server. A one-event request also parses and validates the event, reads and updates the
visitor's profile and session, inserts the event with its indexes and waits for its group's fsync,
all on the event loop, and used ${msPrecise(r.eventsCpu)}. See [What would move the figures further](#what-would-move-the-figures-further).

On the large database the collector listened ${large.startSeconds.toFixed(1)} s after it was started, and its first scoring run, in a
worker thread, ended ${scoring(large)} later; on the small one, ${small.startSeconds.toFixed(1)} s and ${scoring(small)}. No target names
these, but see [Start and hourly scoring](#start-and-hourly-scoring).

## Where the time goes

### One event a request

The collector used ${msPrecise(r.eventsCpu)} of CPU per request, the no-op server ${msPrecise(r.noopEventsCpu)}, and the no-op server
behind the collector's middleware ${msPrecise(middlewareCpu)} (${whole(middleware.all.perSecond)} requests/s against ${whole(r.noopEvents)} without it).
In the profile below, \`commit\` (the group's transaction, with \`storeBatch\` inside it) took
${percent(eventsInclusive('commit'))} of the busy time. Its largest part is better-sqlite3's transaction wrapper,
\`sqliteTransaction\`, at ${percent(selfShare(profiles.events.summary, 'sqliteTransaction'))}: its self time is SQLite's BEGIN, SAVEPOINT and COMMIT,
and the COMMIT writes the group's pages to the WAL and waits for one fsync. \`applyEvent\` (the
profile) took ${percent(eventsInclusive('applyEvent'))} and \`readJson\` (parsing and validating the body) ${percent(eventsInclusive('readJson'))}.

A single page view changes about ten pages, by an estimate from what it writes: the event's row
and its two indexes, the session and its index, and the profile. Writing back every column of the
profile cost ${every.framesPerUpdate.toFixed(1)} pages and ${msPrecise(every.msPerUpdate)} per update on the small database, because SQLite then
rewrites the profile's index entries too. Writing only the two columns a page view changes cost
${changed.framesPerUpdate.toFixed(1)} page and ${msPrecise(changed.msPerUpdate)}, which is how the collector writes a page view's profile change.

### Batches of ${settings.batchSize}

The target is ${atLeast(r.batches, 0.5)}. The baseline commits each batch of ${settings.batchSize} rows on its own, so it is bound by fsync
(${whole(results.bareInsert.transactionsPerSecond)} commits/s on this disk during the run). The collector's group commit shares one fsync among
the batches that arrive in the same turn of the event loop. Per event, the collector does far
more than the baseline (validation, the profile, the session), so its rate follows its CPU time
per event while the baseline's follows the disk's commit rate, which changed from run to run (see
[Runs](#runs)).

### getOffer

A decision reads the visitor's identity, profile, earlier sessions and orders, kept assignments
and earlier decisions with cached prepared statements, decides in memory, signs the visitor's
pass, and queues its row for the next group commit, which the response does not wait for. At
full speed the collector answered a request every ${msPrecise(1000 / small.offer.perSecond)} and used ${msPrecise(r.offerCpu)} of CPU per request,
V8's helper threads included. In the profile below, \`decideForVisitor\` took ${percent(offerInclusive('decideForVisitor'))} of the busy time,
of which \`computeFacts\` ${percent(offerInclusive('computeFacts'))} and \`servedCounts\` ${percent(offerInclusive('servedCounts'))}; the group commits of decisions
(\`commit\`) took ${percent(offerInclusive('commit'))} and signing the pass (\`issuePass\`) ${percent(offerInclusive('issuePass'))}. The rest is the HTTP layer, as for
events. At half the full-speed rate the median latency was ${ms(small.offerOpen.latencyMs.p50)} and p99 ${ms(small.offerOpen.latencyMs.p99)}. The tail comes
from requests that wait while the event loop runs other work, such as a group commit or garbage
collection; the benchmark does not time those stalls one by one.

### Growth

On the large database, one-event ingest used ${msPrecise(r.largeEventsCpu)} of CPU per request against ${msPrecise(r.eventsCpu)} on the
small one. The likely cause: each event of a known visitor reads and writes pages spread over
B-trees of 1 million profiles, 3 million sessions and 10 million events. They no longer fit SQLite's page cache
(better-sqlite3's default, about 16 MB), so more of them come from the operating system's cache.
A group also touches more distinct pages, which makes its commit larger and gives the checkpoint
worker more pages to copy. Batch ingest
changed ${change(small.batches.rowsPerSecond, large.batches.rowsPerSecond)}, getOffer's full-speed rate ${change(small.offer.perSecond, large.offer.perSecond)} and its CPU per request from ${msPrecise(r.offerCpu)} to
${msPrecise(cpuPerRequest(large.offer, large.offer.collectorCpuSeconds))}. The p99 values come from the stalls described above more than from the
work per request, and they differ between runs (see [Runs](#runs)). The median went from ${ms(small.offerOpen.latencyMs.p50)} to ${ms(large.offerOpen.latencyMs.p50)}.

### Start and hourly scoring

\`startCollector\` (apps/collector/src/server.ts) listens first. Then a worker thread with its own
connection (apps/collector/src/value/scheduler.ts) fits the lifetime-value models, scores every
customer and enqueues the webhook deliveries of value changes, once at start and every hour. It
writes 500 customers to a transaction, so ingestion waits for the write lock at most that long.
The benchmark waits for the first run to end before it measures, so that run's work is in none of
the throughput figures. On the large database (${whole(largeFill.orders)} orders) that run took ${scoring(large)}.

Before this design, scoring ran on the event loop before the collector listened. Measured once,
on a copy of the large database at commit 9aae091 against a build from f2bc9fd, by scripts that
are not in the repository:

| Start on the large database | Scoring before listening | Scoring in a worker |
| --- | ---: | ---: |
| Until the port answers | 96.6 s | 0.4 s |
| Scoring run, in the worker after listening | | 23.0 s |
| /healthz during that run, every 100 ms: median / max | no answer | 1.8 ms / 51.5 ms (225 requests) |
| BG/NBD fit | 58.6 s | 6.6 s |
| Gamma-Gamma fit | 23.6 s | 2.4 s |

The fits compute the terms that depend only on x, on T or on tx once per distinct value on each
Nelder-Mead step, and return the same parameters, bit for bit, as before
(packages/clv/src/likelihood.test.ts).

### Memory

Peak resident memory (VmRSS), sampled every 100 ms from the spawn of each collector:

| Phase | Peak |
| --- | ---: |
${memoryRows}

Until its first scoring run ended, the collector's peak was ${mebibytes(large.startPeakMemoryBytes)} on the large database and
${mebibytes(small.startPeakMemoryBytes)} on the small one; the scoring worker's heap counts in the process's resident memory.
Above that, a peak comes from the heap growing under load. How high it gets depends on when the garbage collector
runs, so the peak varies between runs (see [Runs](#runs)).${
    memory.peakBytes > 300e6
      ? ` This run's peak is above the 300 MB bound, so the target is missed${memory.peakBytes === large.startPeakMemoryBytes ? ', and the peak came before the first scoring run on the large database ended' : ''}.`
      : memory.peakBytes > 270e6
        ? ' This run\'s peak is within 10 % of the 300 MB bound, so the target holds without a margin.'
        : ''
  }

## Runs

The targets' figures from the latest runs on this machine, this one last. The spread comes from
the other work on the machine and from the disk, whose commit rate is in the last column.

${runsTable(runs)}

## Changes made

The first runs of this benchmark, on commit de8f25d, profiled the collector and led to these
changes. Their effect shows in [Runs](#runs): compare this run with the one of de8f25d.

1. **The body size is checked in \`readJson\`.** hono/body-limit read \`c.req.raw.body\`,
   which made @hono/node-server build a full WHATWG Request for every request. The collector now
   rejects a Content-Length above the limit before reading and reads a body sent in chunks as a
   stream up to the limit.
2. **CORS headers are set before the route runs.** hono/cors appended \`Vary\` after the route,
   so Hono rebuilt every response from its body and @hono/node-server sent it through a web
   stream. An empty Origin also made every request throw inside \`new URL('')\`.
3. **Decisions are stored in the group commit.** A decision is a deferred write in the next
   group's transaction, and a group of decisions alone commits without a disk sync, since no
   client was promised those rows. The group commit runs on better-sqlite3's own transactions,
   whose statements are cached, rather than drizzle's.
4. **Checkpoints run in a worker thread.** The serving connection no longer checkpoints inside the
   COMMIT that takes the WAL past 1,000 pages. A worker with its own connection checkpoints
   passively every second.
5. **A page view writes back only the profile columns it changed**, and customers are scored in a
   worker thread after the collector listens (see [Start and hourly scoring](#start-and-hourly-scoring)).

## What would move the figures further

Each gain is an estimate from the figures above, not a measurement.

- **SQLite in a writer thread.** Every write and its fsync still run on the event loop, so HTTP
  and SQLite share one core while the machine has two. A worker thread with its own connection
  could run the group commits while the main thread parses and validates the next requests. The
  event loop would then no longer stop for a COMMIT, which is the largest self time in the events
  profile. The main thread would keep the work of the middleware and validation, so one-event
  ingest would still use several times the no-op server's CPU per request.
- **Fewer random pages per event.** The events table keeps a unique index on random event ids and
  an index by visitor, so each insert into a large table touches pages spread over those B-trees.
  That is where growth costs most (see [Growth](#growth)). Checking duplicates against a
  window of recent event ids instead of the whole table would remove one of the two, at the cost
  of the guarantee that a retry days later is still recognised.

## All figures

### Baselines

| Baseline | First run | Second run | CPU per request |
| --- | ---: | ---: | ---: |
| No-op Hono, single-event bodies | ${whole(results.noopBefore.events.perSecond)} requests/s | ${whole(results.noopAfter.events.perSecond)} requests/s | ${msPrecise(r.noopEventsCpu)} |
| No-op Hono, offer bodies | ${whole(results.noopBefore.offer.perSecond)} requests/s | ${whole(results.noopAfter.offer.perSecond)} requests/s | ${msPrecise(r.noopOfferCpu)} |
| No-op Hono behind the collector's middleware | ${whole(middleware.all.perSecond)} requests/s | | ${msPrecise(cpuPerRequest(middleware.all, middleware.all.serverCpuSeconds))} |
| Bare better-sqlite3, ${settings.batchSize} rows a transaction | ${whole(results.bareInsert.rowsPerSecond)} rows/s, ${whole(results.bareInsert.transactionsPerSecond)} commits/s | | |

The no-op server is measured before and after the collector; the two runs show how much the
machine's speed drifted, and the ratios use their mean.

### The collector

| Workload | Small database | Large database | Shed or failed (small / large) |
| --- | ---: | ---: | --- |
| Start until listening | ${small.startSeconds.toFixed(1)} s | ${large.startSeconds.toFixed(1)} s | |
| One event a request | ${whole(small.events.perSecond)} requests/s | ${whole(large.events.perSecond)} requests/s | ${refusals(small.events)} / ${refusals(large.events)} |
| ${settings.batchSize} events a request | ${whole(small.batches.rowsPerSecond)} events/s | ${whole(large.batches.rowsPerSecond)} events/s | ${refusals(small.batches)} / ${refusals(large.batches)} |
| getOffer, full speed | ${whole(small.offer.perSecond)} requests/s | ${whole(large.offer.perSecond)} requests/s | ${refusals(small.offer)} / ${refusals(large.offer)} |
| getOffer at ${whole(small.offerOpen.rate)} requests/s: p50 / p90 / p99 / max | ${ms(small.offerOpen.latencyMs.p50)} / ${ms(small.offerOpen.latencyMs.p90)} / ${ms(small.offerOpen.latencyMs.p99)} / ${ms(small.offerOpen.latencyMs.max)} | ${ms(large.offerOpen.latencyMs.p50)} / ${ms(large.offerOpen.latencyMs.p90)} / ${ms(large.offerOpen.latencyMs.p99)} / ${ms(large.offerOpen.latencyMs.max)} | ${refusals(small.offerOpen)} / ${refusals(large.offerOpen)} |
| CPU per one-event request | ${msPrecise(r.eventsCpu)} | ${msPrecise(r.largeEventsCpu)} | |
| CPU per getOffer request | ${msPrecise(r.offerCpu)} | ${msPrecise(cpuPerRequest(large.offer, large.offer.collectorCpuSeconds))} | |
| Closed-loop latency, one event: p50 / p99 | ${ms(small.events.latencyMs.p50)} / ${ms(small.events.latencyMs.p99)} | ${ms(large.events.latencyMs.p50)} / ${ms(large.events.latencyMs.p99)} | |

The small database stands for an empty one: the collector's schema with ${whole(results.smallFill.visitors)} visitors and
${whole(results.smallFill.events)} events, made by the same generator as the large one, so that offer requests find
profiles with history in both. The large database has ${whole(largeFill.visitors)} visitors, ${whole(largeFill.events)} events
when filled, ${whole(largeFill.orders)} orders and ${whole(largeFill.decisions)} offer decisions${largeFill.reused ? `. This run reused the cached file, which held ${whole(largeSize.events)} events after it, because each run adds the events its load stores` : `. Filling it took ${whole(largeFill.seconds)} s`}.
Each request is for a known visitor (80 %) or a new one (20 %). Events are page views as the
tracker sends them (text/plain), and the site has four offers that read cart, session, order and
segment facts.

The fill writes with bare SQL in large transactions without a journal, visitor by visitor in the
order of their ids, so that most indexes grow at their end. It keeps the file under
/var/tmp/patron-perf (or the folder in \`PATRON_PERF_CACHE\`), named after the visitors and events,
and a later run reuses it. Delete the folder to fill again. \`node bench/perf.mjs --report-only\`
rewrites this page from the figures of the last run.

### Load on the machine

One-minute load average at the start of each phase. Above the 2 cores, other processes shared
the CPU.

| Phase | Load average |
| --- | ---: |
${loadTable}

### Profiles

The collector under the closed-loop load for ${settings.seconds} s on the small database, profiled with
\`node --cpu-prof\`. V8 attributes the time of a native call (SQLite and its fsync, socket writes)
to the JavaScript function that made it. So a better-sqlite3 method's self time is time spent in
SQLite, and a statement's \`run\` called from a collector function counts as that function's self
time. Inclusive times count only the synchronous part of each call, up to its first \`await\`.

#### POST /v1/events, one event a request (${whole(profiles.events.run.perSecond)} requests/s while profiled)

${profileTables(profiles.events.summary)}

${inclusiveTable(profiles.events.inclusive, profiles.events.summary.seconds)}

#### POST /v1/offer (${whole(profiles.offer.run.perSecond)} requests/s while profiled)

${profileTables(profiles.offer.summary)}

${inclusiveTable(profiles.offer.inclusive, profiles.offer.summary.seconds)}
`;
}
