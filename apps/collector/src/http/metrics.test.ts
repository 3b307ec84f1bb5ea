import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { configInput, openTestCollector, pageView, silentLogger } from '../test/harness.js';

describe('GET /metrics', () => {
  it('counts events by outcome and requests by route', async () => {
    const collector = openTestCollector();
    const view = pageView();
    await collector.storeEvents([view, pageView()]);
    await collector.storeEvents([view, { type: 'page_view' }]);
    const text = await (await collector.app.request('/metrics')).text();

    expect(text).toContain('patron_events_total{site="test-shop",outcome="accepted"} 2');
    expect(text).toContain('patron_events_total{site="test-shop",outcome="duplicate"} 1');
    expect(text).toContain('patron_events_total{site="test-shop",outcome="rejected"} 1');
    expect(text).toMatch(/patron_http_requests_total\{route="\/v1\/events",method="POST",status="200"\} 2/);
    expect(text).toMatch(/patron_database_size_bytes [1-9]\d*/);
    expect(text).toContain('patron_process_');
  });

  it('needs the token when one is set', async () => {
    const collector = openTestCollector();
    const app = createApp({ db: collector.db, config: parseConfig(configInput()), logger: silentLogger(), metricsToken: 'metrics-token-123' });

    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await app.request('/metrics', { headers: { Authorization: 'Bearer metrics-token-123' } })).status).toBe(200);
  });
});
