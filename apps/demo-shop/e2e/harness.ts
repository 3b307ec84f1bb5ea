import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

const shopRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const collectorBin = join(shopRoot, '..', 'collector', 'bin', 'patron.js');

/** Path of the Chromium binary: PATRON_CHROMIUM, else Debian's /usr/bin/chromium. */
export const chromiumPath = process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why browser tests cannot run here, or undefined when they can. With PATRON_REQUIRE_BROWSER=1
 * (set by CI) a missing browser fails the run instead of skipping it.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `Chromium not found at ${chromiumPath}; install Debian's chromium package or set PATRON_CHROMIUM`;
  if (process.env.PATRON_REQUIRE_BROWSER === '1') throw new Error(reason);
  console.warn(`skipping browser tests: ${reason}`);
  return reason;
}

/**
 * Starts headless Chromium with the flags that keep it from reaching out to the network. It also
 * hides navigator.webdriver, because the tracker ignores automated browsers and these tests play
 * a person.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-blink-features=AutomationControlled',
    ],
  });
}

/**
 * Opens a browser context that looks like a person's browser: headless Chromium puts
 * "HeadlessChrome" in its user agent, which the tracker treats as a bot.
 */
export async function newVisitorContext(browser: Browser): Promise<BrowserContext> {
  const probe = await browser.newPage();
  const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome', 'Chrome');
  await probe.close();
  return browser.newContext({ userAgent });
}

export interface ServedShop {
  url: string;
  dbPath: string;
  /** Opens the collector's database read-only, for checking what was stored. */
  query<T>(sql: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

/**
 * Runs `patron serve` as a child process, the way `pnpm patron serve` does, with the demo shop's
 * configuration and pages, on a free port and a fresh database file.
 */
export async function serveShop(): Promise<ServedShop> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-e2e-'));
  const dbPath = join(dir, 'patron.db');
  const child = spawn(
    process.execPath,
    [
      collectorBin,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--db',
      dbPath,
      '--config',
      join(shopRoot, 'patron.config.json'),
      '--public',
      join(shopRoot, 'dist'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATRON_LOG_LEVEL: 'warn' } },
  );
  const url = await waitForUrl(child);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });

  return {
    url,
    dbPath,
    query: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    async stop() {
      db.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`patron serve exited with ${code} before listening:\n${output}`)));
  });
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
