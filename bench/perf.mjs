// Measures the collector's throughput, latency, growth and memory against baselines on the same
// machine in the same run, profiles it under load, and writes docs/performance.md. Run it alone
// with `pnpm build && node bench/perf.mjs`. On 2 cores it took about 10 minutes. The first run also
// fills the large database, which took about 4 minutes, and later runs reuse the file kept under
// /var/tmp/patron-perf.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SITE_KEY, eventsBody, offerBody, writeConfig } from './perf-data.mjs';
import { cachedFilledDatabase, fillDatabase } from './perf-fill.mjs';
import { closedLoop, openLoop } from './perf-load.mjs';
import { inclusiveTimes, readProfile, summarizeProfile } from './perf-profile.mjs';
import { cpuSeconds, sampleMemory, startCollector, startNoopServer, stopServer } from './perf-process.mjs';
import { performancePage, runSummary } from './perf-report.mjs';
import { bareInsertLoop, profileUpdateCost } from './perf-sqlite.mjs';

const root = new URL('..', import.meta.url).pathname;
const collectorRequire = createRequire(join(root, 'apps/collector/package.json'));

export const defaults = {
  /** Seconds each measurement lasts, after its warm-up. */
  seconds: 10,
  warmUpSeconds: 3,
  /** Connections of the closed-loop runs, for the collector and the no-op server alike. */
  connections: 32,
  /** Visitors and events of the small database, which stands for an empty one. */
  smallVisitors: 10_000,
  smallEvents: 100_000,
  /** Visitors and events of the large database. */
  largeVisitors: 1_000_000,
  largeEvents: 10_000_000,
  batchSize: 20,
  /** Folder of the cached large database; it needs about 6 GB. */
  cacheDir: process.env.PATRON_PERF_CACHE || '/var/tmp/patron-perf',
  log: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs every measurement and returns the figures: baselines, the collector on a small and a large
 * database, the CPU profiles, and the collector's peak resident memory.
 */
export async function measurePerformance(options = {}) {
  const settings = { ...defaults, ...options };
  const { log } = settings;
  const work = mkdtempSync(join(tmpdir(), 'patron-perf-'));
  const configPath = writeConfig(join(work, 'patron.config.json'));
  const load = { seconds: settings.seconds, warmUpSeconds: settings.warmUpSeconds, connections: settings.connections };
  const results = {
    date: new Date().toISOString().slice(0, 10),
    startedAt: new Date().toISOString().slice(0, 16).replace('T', ' '),
    commit: currentCommit(),
    machine: machineDescription(),
    settings: { ...load, batchSize: settings.batchSize, smallVisitors: settings.smallVisitors, largeVisitors: settings.largeVisitors },
    loadAverages: [],
    memory: { peakBytes: 0, byPhase: {} },
  };
  const noteLoad = (phase) => results.loadAverages.push({ phase, oneMinute: loadavg()[0] });

  try {
    // Baselines. The no-op server runs before and after the collector, to show how much the
    // machine's speed drifted during the run.
    noteLoad('no-op server, first run');
    results.noopBefore = await measureNoop(settings, load, log);
    noteLoad('no-op server with the collector middleware');
    results.noopMiddleware = await measureNoopMiddleware(settings, load, log);

    log('perf: bare better-sqlite3 inserts, 20 rows a transaction');
    noteLoad('bare better-sqlite3 loop');
    results.bareInsert = await bareInsertLoop({ dbPath: join(work, 'bare.db'), rowsPerTransaction: settings.batchSize, seconds: settings.seconds, population: settings.smallVisitors });
    log(`perf: ${Math.round(results.bareInsert.rowsPerSecond)} rows a second`);

    // The collector on a small database, which stands for an empty one.
    log(`perf: filling the small database with ${settings.smallVisitors} visitors`);
    const smallDb = join(work, 'small.db');
    results.smallFill = await fillDatabase(smallDb, { visitors: settings.smallVisitors, events: settings.smallEvents, log });
    log('perf: profile updates, every column against changed columns');
    results.profileUpdate = profileUpdateCost({ dbPath: smallDb, copyPath: join(work, 'update.db'), siteKey: SITE_KEY });
    noteLoad('collector, small database');
    results.small = await measureCollector('small database', { dbPath: smallDb, configPath, population: settings.smallVisitors, settings, load, results, log });

    // Profiles, each of one workload in a collector of its own.
    results.profiles = {};
    for (const [name, makeBody, path] of [
      ['events', () => eventsBody(settings.smallVisitors, 1), '/v1/events'],
      ['offer', () => offerBody(settings.smallVisitors), '/v1/offer'],
    ]) {
      noteLoad(`profile of ${name}`);
      results.profiles[name] = await profileCollector({ name, dbPath: smallDb, configPath, path, makeBody, work, load, results, log });
    }

    // The collector on the large database, with getOffer latency at the small database's rate.
    const large = await cachedFilledDatabase({ cacheDir: settings.cacheDir, visitors: settings.largeVisitors, events: settings.largeEvents, log });
    results.largeFill = large;
    noteLoad('collector, large database');
    results.large = await measureCollector('large database', {
      dbPath: large.path,
      configPath,
      population: settings.largeVisitors,
      settings,
      load,
      results,
      log,
      offerRate: results.small.offerOpen.rate,
    });
    results.largeSize = databaseSize(large.path);

    noteLoad('no-op server, second run');
    results.noopAfter = await measureNoop(settings, load, log);
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Returns the short id of the checked-out commit, marked when the collector's sources differ from it, or "unknown" outside git. */
function currentCommit() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'apps/collector', 'packages'], { cwd: root, encoding: 'utf8' }).trim();
    return changed ? `${commit} with uncommitted changes to the collector` : commit;
  } catch {
    return 'unknown';
  }
}

function machineDescription() {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}`;
}

/** Runs a closed loop against a child process and adds the CPU seconds the process used to the result. */
async function closedLoopWithCpu(server, options) {
  const before = cpuSeconds(server.child.pid);
  const result = await closedLoop(options);
  result.serverCpuSeconds = cpuSeconds(server.child.pid) - before;
  return result;
}

/** Requests per second of the no-op server for the single-event body and the offer body. */
async function measureNoop(settings, load, log) {
  const server = await startNoopServer();
  try {
    log('perf: no-op server, single-event bodies');
    const events = await closedLoopWithCpu(server, { url: `${server.url}/v1/events`, makeBody: () => eventsBody(settings.smallVisitors, 1), ...load });
    log(`perf: ${Math.round(events.perSecond)} requests a second`);
    log('perf: no-op server, offer bodies');
    const offer = await closedLoopWithCpu(server, { url: `${server.url}/v1/offer`, makeBody: () => offerBody(settings.smallVisitors), ...load });
    log(`perf: ${Math.round(offer.perSecond)} requests a second`);
    return { events, offer };
  } finally {
    await stopServer(server);
  }
}

/** Requests per second of the no-op server behind all of the collector's middleware, for single-event bodies. */
async function measureNoopMiddleware(settings, load, log) {
  const results = {};
  for (const [name, middleware] of [['all', ['all']]]) {
    const server = await startNoopServer({ middleware });
    try {
      log(`perf: no-op server behind the collector's middleware (${name}), single-event bodies`);
      results[name] = await closedLoopWithCpu(server, { url: `${server.url}/v1/events`, makeBody: () => eventsBody(settings.smallVisitors, 1), ...load });
      log(`perf: ${Math.round(results[name].perSecond)} requests a second`);
    } finally {
      await stopServer(server);
    }
  }
  return results;
}

/**
 * Starts the collector on `dbPath` and measures single-event ingestion, batch ingestion and
 * getOffer at full speed, then getOffer's latency at a fixed rate: `offerRate`, else half the
 * full-speed rate just measured.
 */
async function measureCollector(phase, { dbPath, configPath, population, settings, load, results, log, offerRate }) {
  log(`perf: starting the collector on the ${phase}, and waiting for its first scoring run`);
  const collector = await startCollector({ dbPath, configPath, waitForScoring: true });
  log(`perf: the collector listened after ${(collector.startMs / 1000).toFixed(1)} s and finished scoring ${(collector.waitedMs / 1000).toFixed(1)} s later`);
  const { memory } = collector;
  const measured = { startSeconds: collector.startMs / 1000, scoringSeconds: collector.waitedMs / 1000, startPeakMemoryBytes: memory.peak };
  const timed = async (name, run) => {
    const before = cpuSeconds(collector.child.pid);
    const workloadMemory = sampleMemory(collector.child.pid);
    const result = await run();
    result.collectorCpuSeconds = cpuSeconds(collector.child.pid) - before;
    result.peakMemoryBytes = workloadMemory.stop();
    measured[name] = result;
    return result;
  };
  try {
    log(`perf: ${phase}: POST /v1/events, one event a request`);
    const single = await timed('events', () => closedLoop({ url: `${collector.url}/v1/events`, makeBody: () => eventsBody(population, 1), ...load }));
    log(`perf: ${Math.round(single.perSecond)} requests a second, ${single.shed} shed`);

    log(`perf: ${phase}: POST /v1/events, ${settings.batchSize} events a request`);
    const batch = await timed('batches', () => closedLoop({ url: `${collector.url}/v1/events`, makeBody: () => eventsBody(population, settings.batchSize), ...load }));
    batch.rowsPerSecond = batch.perSecond * settings.batchSize;
    log(`perf: ${Math.round(batch.rowsPerSecond)} events a second, ${batch.shed} requests shed`);

    log(`perf: ${phase}: POST /v1/offer at full speed`);
    const offer = await timed('offer', () => closedLoop({ url: `${collector.url}/v1/offer`, makeBody: () => offerBody(population), ...load }));
    log(`perf: ${Math.round(offer.perSecond)} requests a second, ${offer.shed} shed`);

    const rate = offerRate ?? Math.max(1, Math.round(offer.perSecond / 2));
    log(`perf: ${phase}: POST /v1/offer at ${rate} a second`);
    const open = await timed('offerOpen', () => openLoop({ url: `${collector.url}/v1/offer`, makeBody: () => offerBody(population), rate, seconds: settings.seconds, warmUpSeconds: settings.warmUpSeconds }));
    log(`perf: p99 ${open.latencyMs.p99.toFixed(1)} ms, ${open.shed} shed, ${open.errors} failed`);
    return measured;
  } finally {
    await stopServer(collector);
    measured.peakMemoryBytes = memory.stop();
    results.memory.byPhase[phase] = measured.peakMemoryBytes;
    results.memory.peakBytes = Math.max(results.memory.peakBytes, measured.peakMemoryBytes);
  }
}

/** Runs one closed-loop workload against a collector started with --cpu-prof and summarises the profile it writes on exit. */
async function profileCollector({ name, dbPath, configPath, path, makeBody, work, load, results, log }) {
  const profileDir = join(work, `profile-${name}`);
  mkdirSync(profileDir);
  log(`perf: profiling the collector under ${path}`);
  const collector = await startCollector({ dbPath, configPath, profileDir, waitForScoring: true });
  const { memory } = collector;
  let run;
  try {
    run = await closedLoop({ url: `${collector.url}${path}`, makeBody, ...load, warmUpSeconds: 0 });
  } finally {
    await stopServer(collector);
    const peak = memory.stop();
    results.memory.byPhase[`profile of ${name}`] = peak;
    results.memory.peakBytes = Math.max(results.memory.peakBytes, peak);
  }
  const profile = readProfile(profileDir);
  return { run, summary: summarizeProfile(profile, 15), inclusive: inclusiveTimes(profile, inclusiveNames[name]) };
}

/** Collector functions whose time, callees included, each profile reports. */
const inclusiveNames = {
  events: ['readJson', 'commit', 'storeBatch', 'parseEvent', 'applyEvent', 'resolveProfile'],
  offer: ['readJson', 'decideForVisitor', 'computeFacts', 'visitorIdsOf', 'servedCounts', 'keptAssignments', 'decide', 'commit', 'writeDecision', 'issuePass'],
};

/** Checkpoints the database's WAL into the main file and returns the file's size with its event count. */
function databaseSize(path) {
  const Database = collectorRequire('better-sqlite3');
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const events = db.prepare('SELECT count(*) AS n FROM events').get().n;
    return { bytes: statSync(path).size, events };
  } finally {
    db.close();
  }
}

/** Runs whose summaries the page shows, the latest last. */
const RUNS_SHOWN = 5;

// Run alone, measures and writes the page; with --report-only, rewrites the page from the figures
// of the last run without measuring again. The summaries of earlier runs are kept in runs.json
// beside the cached database.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const output = join(defaults.cacheDir, 'last-results.json');
  const runsPath = join(defaults.cacheDir, 'runs.json');
  let runs = existsSync(runsPath) ? JSON.parse(readFileSync(runsPath, 'utf8')) : [];
  let results;
  if (process.argv.includes('--report-only')) {
    results = JSON.parse(readFileSync(output, 'utf8'));
  } else {
    results = await measurePerformance();
    mkdirSync(defaults.cacheDir, { recursive: true });
    writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
    runs = [...runs, runSummary(results)].slice(-RUNS_SHOWN);
    writeFileSync(runsPath, `${JSON.stringify(runs, null, 2)}\n`);
  }
  if (runs.length === 0) runs = [runSummary(results)];
  writeFileSync(join(root, 'docs/performance.md'), performancePage(results, runs));
  defaults.log(`perf: wrote docs/performance.md from the figures in ${output}`);
}
