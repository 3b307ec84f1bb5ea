// Starts and stops the servers under test as child processes on 127.0.0.1, and reads their
// resident memory and CPU time from /proc while they run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SECRET_VALUE, SECRET_VARIABLE } from './perf-data.mjs';

const root = new URL('..', import.meta.url).pathname;
/** Maximum wait for a server to print its address, and a log line when one is awaited, such as the end of the first scoring run. */
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * Spawns `node [nodeArgs] script [args]` and resolves once it prints "listening on http://…" to
 * stderr. Resolves with the URL, the milliseconds that took, and a memory sampler started at the
 * spawn, so that the peak includes the work done before listening. With `waitForLog`, it resolves
 * only once a line of standard output also matches it, and adds `waitedMs`, the milliseconds from
 * listening to that line.
 */
function startServer(label, nodeArgs, script, args, env, waitForLog) {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: root,
    stdio: ['ignore', waitForLog ? 'pipe' : 'ignore', 'pipe'],
    env: { ...process.env, PATRON_LOG_LEVEL: waitForLog ? 'info' : 'error', ...env },
  });
  const memory = sampleMemory(child.pid);
  let output = '';
  let listened;
  let logged = !waitForLog;
  let logTail = '';
  return new Promise((resolve, reject) => {
    const settle = () => {
      if (!listened || !logged || !timer) return;
      clearTimeout(timer);
      resolve({ ...listened, waitedMs: waitForLog ? performance.now() - started - listened.startMs : undefined });
    };
    if (waitForLog) {
      child.stdout.on('data', (chunk) => {
        logTail = (logTail + chunk.toString()).slice(-20_000);
        if (!logged && waitForLog.test(logTail)) {
          logged = true;
          settle();
        }
      });
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not print its address${waitForLog ? ` and a log line matching ${waitForLog}` : ''} within ${START_TIMEOUT_MS / 1000} s; its output: ${output}${logTail}`));
    }, START_TIMEOUT_MS);
    child.stderr.on('data', (chunk) => {
      output += chunk.toString();
      // Keep the output short, but long enough to show an error after the address.
      if (output.length > 20_000) output = output.slice(-20_000);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && !listened) {
        listened = { child, url: match[1], startMs: performance.now() - started, memory };
        settle();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      memory.stop();
      reject(new Error(`${label} exited (code ${code}, signal ${signal}) before listening: ${output}`));
    });
  });
}

/**
 * Rate limits far above any load here. All the load comes from one address, which the collector's
 * default limits (10 requests/s per address, 1,000 per site) would reject with 429. The limiter
 * still runs on every request, so its cost stays in the figures.
 */
const unlimitedRates = {
  PATRON_RATE_LIMIT_PER_ADDRESS: '1000000',
  PATRON_RATE_LIMIT_ADDRESS_BURST: '1000000',
  PATRON_RATE_LIMIT_PER_SITE: '1000000',
  PATRON_RATE_LIMIT_SITE_BURST: '1000000',
};

/**
 * Starts `patron serve` on a free port of 127.0.0.1. `profileDir` adds `--cpu-prof`, which writes
 * the profile there when the collector exits after {@link stopServer}. The collector scores its
 * customers in a worker thread after it listens. With `waitForScoring`, the promise resolves once
 * that first run has finished, so that its work does not overlap the measurements, and it sets `waitedMs`.
 */
export function startCollector({ dbPath, configPath, profileDir, waitForScoring = false }) {
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--db', dbPath, '--config', configPath];
  // Admission by tier is measured by bench/priority.mjs. Here it is off, so that every figure is
  // the collector's own speed, as first come, first served.
  const env = { [SECRET_VARIABLE]: SECRET_VALUE, PATRON_ADMISSION: 'off', ...unlimitedRates };
  return startServer('patron serve', nodeArgs, join(root, 'apps/collector/bin/patron.js'), args, env, waitForScoring ? /"msg":"scoring run finished"/ : undefined);
}

/** Starts the no-op Hono server of perf-noop-server.mjs, behind the collector's middleware of the names given ('all' for all). */
export function startNoopServer({ middleware = [] } = {}) {
  const args = middleware.length > 0 ? [`--middleware=${middleware.join(',')}`] : [];
  return startServer('the no-op server', [], join(root, 'bench/perf-noop-server.mjs'), args, {});
}

/** Sends SIGTERM and resolves once the process has exited, and kills it if it takes longer than 30 s. */
export async function stopServer({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Returns the resident memory of a process in bytes, from VmRSS in /proc/<pid>/status, or undefined once it has exited. */
export function residentBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Returns the CPU seconds (user and system) a process has used, from /proc/<pid>/stat, or undefined once it has exited. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, so 11 and 12 after the name and state.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's resident memory every `intervalMs` until stopped, and returns the peak. The
 * peak between samples can be missed, so the sampling is frequent.
 */
export function sampleMemory(pid, intervalMs = 100) {
  let peak = residentBytes(pid) ?? 0;
  let last = peak;
  const timer = setInterval(() => {
    const bytes = residentBytes(pid);
    if (bytes === undefined) return;
    last = bytes;
    if (bytes > peak) peak = bytes;
  }, intervalMs);
  return {
    get peak() {
      return peak;
    },
    get last() {
      return last;
    },
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
