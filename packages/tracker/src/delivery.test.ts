import type { EventInput } from '@patron/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordFetch, testOptions } from './test-server.js';
import type { TrackerOptions } from './tracker.js';

/** Imports a fresh copy of the tracker, as a reload or another tab of the same shop would run it. */
async function freshPage() {
  vi.resetModules();
  return (await import('./tracker.js')).createTracker;
}

/**
 * Gives happy-dom, which has no Web Locks, an exclusive lock manager: requests for one name run
 * one after another, as in browsers, and `query` lists the names held.
 */
function installWebLocks() {
  const tails = new Map<string, Promise<unknown>>();
  const held = new Set<string>();
  const request = (name: string, callback: () => Promise<unknown>) => {
    const run = (tails.get(name) ?? Promise.resolve()).then(async () => {
      held.add(name);
      try {
        return await callback();
      } finally {
        held.delete(name);
      }
    });
    tails.set(name, run.catch(() => undefined));
    return run;
  };
  const query = async () => ({ held: [...held].map((name) => ({ name })), pending: [] });
  Object.defineProperty(navigator, 'locks', { value: { request, query }, configurable: true });
}

const ok = (body: unknown) => Response.json({ accepted: (body as { events: unknown[] }).events.length, duplicates: 0, rejected: [] });

beforeEach(() => {
  localStorage.clear();
  installWebLocks();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  delete (navigator as { locks?: unknown }).locks;
});

describe('batching', () => {
  it('sends a full batch at once', async () => {
    const net = recordFetch();
    const createTracker = await freshPage();
    const t = createTracker(testOptions({ maxBatchSize: 3, flushDelay: 60_000 }));
    t.page();
    t.page();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(net.sent).toHaveLength(0);
    t.page();

    await vi.waitFor(() => expect(net.batches()).toHaveLength(1));
    expect(net.batches()[0]!.events).toHaveLength(3);
  });

  it('sends after the flush delay', async () => {
    const net = recordFetch();
    const createTracker = await freshPage();
    createTracker(testOptions({ flushDelay: 30 })).page();
    expect(net.sent).toHaveLength(0);

    await vi.waitFor(() => expect(net.sent).toHaveLength(1));
  });

  it('splits many events into batches', async () => {
    const net = recordFetch();
    const createTracker = await freshPage();
    const t = createTracker(testOptions({ maxBatchSize: 4, flushDelay: 60_000 }));
    for (let i = 0; i < 10; i++) t.track('step', { i });
    await t.flush();

    expect(net.batches().map((batch) => batch.events.length)).toEqual([4, 4, 2]);
  });
});

describe('retries', () => {
  it('honours Retry-After on a 503', async () => {
    let calls = 0;
    const net = recordFetch((_url, body) =>
      ++calls === 1 ? new Response('busy', { status: 503, headers: { 'Retry-After': '7' } }) : ok(body),
    );
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const createTracker = await freshPage();
    const t = createTracker(testOptions());
    t.page();
    await t.flush();
    await vi.advanceTimersByTimeAsync(6_900);
    expect(net.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);

    expect(net.sent).toHaveLength(2);
    expect(net.events()[1]!.id).toBe(net.events()[0]!.id);
  });

  it('backs off after network errors', async () => {
    let calls = 0;
    const net = recordFetch((_url, body) => (++calls <= 2 ? Promise.reject(new TypeError('Failed to fetch')) : ok(body)));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const createTracker = await freshPage();
    const t = createTracker(testOptions());
    t.page();
    await t.flush();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(net.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(net.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(net.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);

    expect(net.sent).toHaveLength(3);
    expect(new Set(net.events().map((event) => event.id)).size).toBe(1);
    vi.mocked(Math.random).mockRestore();
  });

  it.each([400, 403, 404, 413])('does not retry a %i', async (status) => {
    const net = recordFetch(() => new Response('{"code":"invalid_body"}', { status }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const createTracker = await freshPage();
    const t = createTracker(testOptions());
    t.page();
    await t.flush();
    await vi.advanceTimersByTimeAsync(120_000);

    expect(net.sent).toHaveLength(1);
  });

  it.each([408, 429, 500, 502])('retries a %i', async (status) => {
    let calls = 0;
    const net = recordFetch((_url, body) => (++calls === 1 ? new Response('', { status }) : ok(body)));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const createTracker = await freshPage();
    const t = createTracker(testOptions());
    t.page();
    await t.flush();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(net.sent).toHaveLength(2);
  });

  it('sends when the network comes back', async () => {
    let online = false;
    const net = recordFetch((_url, body) => (online ? ok(body) : Promise.reject(new TypeError('offline'))));
    const createTracker = await freshPage();
    const t = createTracker(testOptions());
    t.page();
    await t.flush();
    online = true;
    // A fresh flush waits out the backoff, which the 'online' event does not shorten.
    await vi.waitFor(() => expect(net.sent.length).toBeGreaterThanOrEqual(1));
    window.dispatchEvent(new Event('online'));

    await vi.waitFor(() => expect(net.events()).toHaveLength(2), { timeout: 5_000 });
  });
});

describe('saved queue', () => {
  it('sends events left by an earlier page', async () => {
    const options = testOptions({ flushDelay: 60_000 });
    recordFetch(() => Promise.reject(new TypeError('offline')));
    const first = (await freshPage())(options);
    first.page();
    first.track('left_behind');
    const recorded = [first.visitorId];

    // The first page is gone, and its locks with it; its events count as abandoned after 10 s.
    installWebLocks();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11_000);
    const net = recordFetch();
    const second = (await freshPage())({ ...options, flushDelay: 10 });
    await vi.waitFor(() => expect(net.events()).toHaveLength(2));

    expect(second.visitorId).toBe(recorded[0]);
    expect(net.events().map((event) => event.type)).toEqual(['page_view', 'custom']);
  });

  it('waits before taking over a recent event', async () => {
    const options = testOptions({ flushDelay: 60_000 });
    recordFetch(() => Promise.reject(new TypeError('offline')));
    (await freshPage())(options).track('just_now');

    installWebLocks();
    const net = recordFetch();
    await (await freshPage())(options).flush();

    expect(net.events()).toEqual([]);
  });

  it('leaves a living page\'s events to it', async () => {
    const options = testOptions({ flushDelay: 60_000 });
    recordFetch(() => Promise.reject(new TypeError('offline')));
    const living = (await freshPage())(options);
    living.track('kept_by_its_page');

    const net = recordFetch();
    const other = (await freshPage())(options);
    other.track('own_event');
    await other.flush();

    expect(net.events().map((event) => (event.type === 'custom' ? event.name : event.type))).toEqual(['own_event']);
  });

  it('drops the oldest events beyond the limit and reports them', async () => {
    recordFetch(() => Promise.reject(new TypeError('offline')));
    const options = testOptions({ flushDelay: 60_000, maxQueueEvents: 3 });
    const t = (await freshPage())(options);
    for (let i = 0; i < 5; i++) t.track('step', { i });

    const net = recordFetch();
    installWebLocks();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11_000);
    const later = (await freshPage())({ ...options, flushDelay: 10 });
    await later.flush();

    const steps = net.events().map((event) => (event as EventInput & { props: { i: number } }).props.i);
    expect(steps).toEqual([2, 3, 4]);
    expect(net.batches()[0]!.dropped).toBe(2);
  });

  it('bounds the queue by size', async () => {
    recordFetch(() => Promise.reject(new TypeError('offline')));
    const options = testOptions({ flushDelay: 60_000, maxQueueChars: 2_000 });
    const t = (await freshPage())(options);
    for (let i = 0; i < 20; i++) t.track('step', { i, padding: 'x'.repeat(100) });

    const saved = Object.keys(localStorage).filter((key) => key.startsWith(`patron:e:${options.siteKey}:`));
    const chars = saved.reduce((sum, key) => sum + localStorage.getItem(key)!.length, 0);
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.length).toBeLessThan(20);
    expect(chars).toBeLessThanOrEqual(2_000);
  });

  it('never sends an event from two tabs', async () => {
    const net = recordFetch(async (_url, body) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return ok(body);
    });
    const options: TrackerOptions = testOptions({ flushDelay: 60_000 });
    const tabA = (await freshPage())(options);
    const tabB = (await freshPage())(options);
    for (let i = 0; i < 5; i++) {
      tabA.track('a', { i });
      tabB.track('b', { i });
    }
    await Promise.all([tabA.flush(), tabB.flush(), tabA.flush(), tabB.flush()]);

    const ids = net.events().map((event) => event.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });
});

describe('without Web Locks', () => {
  it('never sends an event twice from one page', async () => {
    delete (navigator as { locks?: unknown }).locks;
    expect(navigator.locks).toBeNull();
    const net = recordFetch(async (_url, body) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return ok(body);
    });
    const t = (await freshPage())(testOptions({ maxBatchSize: 4, flushDelay: 60_000 }));
    for (let i = 0; i < 10; i++) t.track('step', { i });
    await Promise.all([t.flush(), t.flush(), t.flush()]);

    const ids = net.events().map((event) => event.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });
});

describe('leaving the page', () => {
  it('sends this page\'s events with keepalive on pagehide', async () => {
    const net = recordFetch();
    const t = (await freshPage())(testOptions({ flushDelay: 60_000 }));
    t.page();
    window.dispatchEvent(new Event('pagehide'));

    await vi.waitFor(() => expect(net.sent).toHaveLength(1));
    expect(net.sent[0]!.init.keepalive).toBe(true);
  });

  it('keeps each exit request within the keepalive budget', async () => {
    const net = recordFetch(() => new Promise<Response>(() => {}));
    const t = (await freshPage())(testOptions({ flushDelay: 60_000, maxBatchSize: 500 }));
    for (let i = 0; i < 30; i++) t.track('big', { text: 'é'.repeat(1_000) });
    window.dispatchEvent(new Event('pagehide'));

    await vi.waitFor(() => expect(net.sent.length).toBeGreaterThan(0));
    for (const entry of net.sent) expect(new Blob([String(entry.init.body)]).size).toBeLessThanOrEqual(60_000);
    expect(net.events().length).toBeLessThan(30);
  });

  it('leaves events of other tabs alone on pagehide', async () => {
    const options = testOptions({ flushDelay: 60_000 });
    // An event that another tab saved and has not sent yet.
    const otherTab = { id: 'f'.repeat(32), type: 'custom', name: 'from_other_tab', visitorId: 'v1', sessionId: 's1', timestamp: Date.now() };
    localStorage.setItem(`patron:e:${options.siteKey}:${otherTab.timestamp}:${otherTab.id}`, JSON.stringify(otherTab));

    const net = recordFetch();
    const t = (await freshPage())(options);
    t.track('from_this_tab');
    window.dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(net.sent.length).toBeGreaterThan(0));

    expect(net.events().map((event) => (event.type === 'custom' ? event.name : event.type))).toContain('from_this_tab');
    expect(net.events().map((event) => (event.type === 'custom' ? event.name : event.type))).not.toContain('from_other_tab');
  });
});
