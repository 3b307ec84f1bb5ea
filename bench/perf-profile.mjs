// Summarises a V8 CPU profile (.cpuprofile from `node --cpu-prof`): the functions with the most
// self time, and self time by where the code lives (the collector, a package, Node's internals).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Reads the one .cpuprofile file in `dir`, or the newest when there are several. */
export function readProfile(dir) {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error(`No .cpuprofile file in ${dir}; the process must exit normally for --cpu-prof to write one`);
  // Every thread writes its own file, named CPU.<date>.<time>.<pid>.<thread id>.<sequence>; the main thread's id is 0.
  const main = files.filter((name) => name.split('.')[4] === '0');
  const chosen = main.length > 0 ? main : files;
  return JSON.parse(readFileSync(join(dir, chosen[chosen.length - 1]), 'utf8'));
}

/** Returns where a script lives: a package name, the collector's bundle, a Node internal, or the V8 pseudo-frame itself. */
function placeOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const packageMatch = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1];
  if (url.includes('/apps/collector/dist/')) return 'collector';
  if (url.includes('/packages/')) return `@patron/${/\/packages\/([^/]+)/.exec(url)[1]}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * Returns the profile's total sampled time and its top functions by self time. A V8 profile
 * attributes time spent in a native call (SQLite, fsync, JSON.parse) to the JavaScript function
 * that made the call, so a better-sqlite3 method's self time is the time inside SQLite.
 */
export function summarizeProfile(profile, top = 15) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }

  const functions = new Map();
  const places = new Map();
  let totalMicros = 0;
  let idleMicros = 0;
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id);
    totalMicros += micros;
    if (callFrame.functionName === '(idle)') idleMicros += micros;
    const name = callFrame.functionName || '(anonymous)';
    const place = placeOf(callFrame.url, name);
    const location = callFrame.url ? `${place}:${callFrame.lineNumber + 1}` : place;
    const key = `${name} ${location}`;
    const entry = functions.get(key) ?? { name, location, micros: 0 };
    entry.micros += micros;
    functions.set(key, entry);
    places.set(place, (places.get(place) ?? 0) + micros);
  }

  const busyMicros = totalMicros - idleMicros;
  const share = (micros) => (busyMicros > 0 ? micros / busyMicros : 0);
  return {
    seconds: totalMicros / 1e6,
    busySeconds: busyMicros / 1e6,
    functions: [...functions.values()]
      .filter((entry) => entry.name !== '(idle)')
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((entry) => ({ ...entry, share: share(entry.micros) })),
    places: [...places.entries()]
      .filter(([place]) => place !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([place, micros]) => ({ place, micros, share: share(micros) })),
  };
}

/**
 * Returns the time spent in each of the named functions, callees included (inclusive time), in
 * microseconds. A sample counts once for a name however often the name recurs in its stack.
 */
export function inclusiveTimes(profile, names) {
  const wanted = new Set(names);
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = Object.fromEntries(names.map((name) => [name, 0]));
  for (let index = 0; index < profile.samples.length; index++) {
    const seen = new Set();
    for (let id = profile.samples[index]; id !== undefined; id = parentOf.get(id)) {
      const name = byId.get(id).callFrame.functionName;
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        totals[name] += profile.timeDeltas[index] ?? 0;
      }
    }
  }
  return totals;
}

/** Formats a summary as two Markdown tables, with shares of the busy (not idle) time. */
export function profileTables(summary) {
  const percent = (value) => `${(value * 100).toFixed(1)} %`;
  const functionRows = summary.functions.map((entry) => `| \`${entry.name}\` | ${entry.location} | ${(entry.micros / 1000).toFixed(0)} | ${percent(entry.share)} |`);
  const placeRows = summary.places.map((entry) => `| ${entry.place} | ${(entry.micros / 1000).toFixed(0)} | ${percent(entry.share)} |`);
  return `Busy ${summary.busySeconds.toFixed(1)} s of ${summary.seconds.toFixed(1)} s sampled.

| Function (self time) | Where | ms | Share of busy |
| --- | --- | ---: | ---: |
${functionRows.join('\n')}

| Code | ms | Share of busy |
| --- | ---: | ---: |
${placeRows.join('\n')}`;
}

// Run alone, prints the summary of the profile in the folder given.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('Usage: node bench/perf-profile.mjs <folder with a .cpuprofile>\n');
    process.exit(2);
  }
  console.log(profileTables(summarizeProfile(readProfile(dir), Number(process.argv[3] ?? 20))));
}
