import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
// The collector's own hashing, so that test visitors land in the groups the collector puts them in.
import { bucketOf, inShare } from '../../collector/src/offers/buckets.js';

const shopRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const collectorBin = join(shopRoot, '..', 'collector', 'bin', 'patron.js');
const configPath = join(shopRoot, 'patron.config.json');

/** The demo site's key, which names the tracker's visitor cookie and seeds the collector's hashing. */
export const siteKey = 'demo-shop';

/** Secret key of the demo site's admin API in these tests, passed to the collector in its environment. */
export const adminSecret = 'e2e-admin-secret-of-the-demo-shop';

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

/** The experiment groups that the demo configuration puts a visitor in before any offer matches. */
export interface VisitorGroups {
  /** In the programme's holdout, which sees no offers at all. */
  holdout: boolean;
  /** Ids of the offers whose control group the visitor is in. */
  control: string[];
}

interface DemoConfig {
  sites: Array<{ key: string; offerSettings: { holdoutShare: number }; offers: Array<{ id: string; controlShare?: number }> }>;
}

// Read without the collector's defaults, so the configuration must set holdoutShare itself.
const demoSite = (JSON.parse(readFileSync(configPath, 'utf8')) as DemoConfig).sites.find((site) => site.key === siteKey)!;

/** Returns the groups of a visitor id, computed as the collector computes them. */
export function groupsOf(visitorId: string): VisitorGroups {
  return {
    holdout: inShare(bucketOf(siteKey, 'holdout', visitorId), demoSite.offerSettings.holdoutShare),
    control: demoSite.offers.filter((offer) => inShare(bucketOf(siteKey, offer.id, 'control', visitorId), offer.controlShare ?? 0)).map((offer) => offer.id),
  };
}

const usedVisitorIds = new Set<string>();

/**
 * Returns the first unused visitor id of the form `e2e_<label>_<n>` whose groups pass `wanted`,
 * the same on every run. A random id would put one test visitor in fifty in the holdout. The label
 * may contain only letters, digits and "_", the characters the tracker reads from its cookie.
 */
export function findVisitorId(label: string, wanted: (groups: VisitorGroups) => boolean): string {
  for (let n = 1; n <= 100_000; n++) {
    const visitorId = `e2e_${label}_${n}`;
    if (!usedVisitorIds.has(visitorId) && wanted(groupsOf(visitorId))) {
      usedVisitorIds.add(visitorId);
      return visitorId;
    }
  }
  throw new Error(`no visitor id e2e_${label}_1 to e2e_${label}_100000 is in the wanted groups; check the shares in ${configPath}`);
}

/** True for a visitor outside the holdout and every control group, who sees every offer it matches. */
export const seesOffers = (groups: VisitorGroups) => !groups.holdout && groups.control.length === 0;

/**
 * Opens a browser context that looks like a person's browser, for the visitor `visitorId` (by
 * default a new one that sees every offer it matches). Headless Chromium puts "HeadlessChrome" in
 * its user agent, which the tracker treats as a bot. The visitor id is set as the tracker's visitor
 * cookie, which the tracker adopts on the first page when localStorage has no id.
 */
export async function newVisitorContext(browser: Browser, shopUrl: string, visitorId = findVisitorId('visitor', seesOffers)): Promise<BrowserContext> {
  const probe = await browser.newPage();
  const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome', 'Chrome');
  await probe.close();
  const context = await browser.newContext({ userAgent });
  await context.addCookies([{ name: `patron_${siteKey}`, value: visitorId, url: shopUrl }]);
  return context;
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
      configPath,
      '--public',
      join(shopRoot, 'dist'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATRON_LOG_LEVEL: 'warn', PATRON_DEMO_SECRET_KEY: adminSecret } },
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
