import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { SHOP_ORIGIN, configInput } from '../test/harness.js';
import { publicCors } from './cors.js';
import type { AppEnv } from './env.js';
import { HttpError, sendError } from './errors.js';
import { Sites } from './sites.js';

function corsApp() {
  const app = new Hono<AppEnv>();
  app.use('/v1/*', publicCors(new Sites(parseConfig(configInput()))));
  app.post('/v1/ok', (c) => c.json({ ok: true }));
  app.post('/v1/fails', () => {
    throw new HttpError(400, 'invalid_body', 'broken on purpose');
  });
  app.onError((error, c) => sendError(c, error as HttpError));
  return app;
}

describe('publicCors', () => {
  it('allows a configured origin', async () => {
    const response = await corsApp().request('/v1/ok', { method: 'POST', headers: { Origin: SHOP_ORIGIN } });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('omits the header for other origins', async () => {
    const response = await corsApp().request('/v1/ok', { method: 'POST', headers: { Origin: 'https://evil.example' } });

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('keeps the headers on errors', async () => {
    const response = await corsApp().request('/v1/fails', { method: 'POST', headers: { Origin: SHOP_ORIGIN } });

    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
  });

  it('answers a preflight with 204', async () => {
    const response = await corsApp().request('/v1/ok', { method: 'OPTIONS', headers: { Origin: SHOP_ORIGIN, 'Access-Control-Request-Method': 'POST' } });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(response.headers.get('access-control-max-age')).toBe('86400');
  });

  it('allows the collector its own pages', async () => {
    const response = await corsApp().request('http://collector.example:8787/v1/ok', {
      method: 'POST',
      headers: { Origin: 'http://collector.example:8787', Host: 'collector.example:8787' },
    });

    expect(response.headers.get('access-control-allow-origin')).toBe('http://collector.example:8787');
  });
});
