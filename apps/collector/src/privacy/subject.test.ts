import { describe, expect, it } from 'vitest';
import { addToCart, configInput, item, openTestCollector, pageView, purchase, responseJson, siteInput, SITE_KEY } from '../test/harness.js';

const SECRET = 'a-secret-key-of-24-chars-or-more';
const auth = { Authorization: `Bearer ${SECRET}` };

/** Stores the history of user "ada" on two devices, and of "bob", whose data must survive. */
async function seedPeople() {
  const collector = openTestCollector(configInput(siteInput({ secretKey: SECRET })));
  const ada = (visitorId: string, sessionId: string) => ({ visitorId, sessionId });
  await collector.storeEvents([
    pageView(ada('ada-phone', 's1')),
    addToCart([item('mug', 12)], ada('ada-phone', 's1')),
    { ...pageView(ada('ada-phone', 's1')), type: 'identify', userId: 'ada', traits: { email: 'ada@example.com' } },
    purchase('T-ada', 12, { ...ada('ada-laptop', 's2'), userId: 'ada' }),
    { ...pageView(ada('ada-laptop', 's2')), userId: 'ada', type: 'refund', transactionId: 'T-ada', value: 2, currency: 'GBP' },
    // An invalid event of hers, kept in quarantine.
    { ...pageView(ada('ada-phone', 's1')), type: 'view_item', items: [] },
    pageView({ visitorId: 'bob-phone', sessionId: 's9' }),
    purchase('T-bob', 30, { visitorId: 'bob-phone', sessionId: 's9' }),
  ]);
  await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'ada-phone' });
  await collector.postJson('/v1/offer', { siteKey: SITE_KEY, visitorId: 'bob-phone' });
  return collector;
}

/** Rows in any table that mention one of `needles`, by table. */
function mentions(collector: Awaited<ReturnType<typeof seedPeople>>, needles: string[]) {
  const tables = collector.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'");
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const rows = collector.rows<Record<string, unknown>>(`SELECT * FROM "${name}"`);
    const count = rows.filter((row) => needles.some((needle) => JSON.stringify(row).includes(needle))).length;
    if (count > 0) found[name] = count;
  }
  return found;
}

describe('erasing a customer', () => {
  it('leaves no row about them and keeps everyone else', async () => {
    const collector = await seedPeople();
    expect(Object.keys(mentions(collector, ['ada-phone', 'ada-laptop', 'u:ada', 'T-ada'])).length).toBeGreaterThan(5);
    const before = mentions(collector, ['bob-phone', 'T-bob']);

    const response = await collector.app.request(`/v1/admin/sites/${SITE_KEY}/customers/u:ada`, { method: 'DELETE', headers: auth });
    const body = await responseJson<{ deleted: Record<string, number> }>(response);

    expect(response.status).toBe(200);
    expect(body.deleted.events).toBe(6 - 1);
    expect(body.deleted.quarantinedEvents).toBe(1);
    expect(mentions(collector, ['ada-phone', 'ada-laptop', 'u:ada', 'T-ada', 'ada@example.com'])).toEqual({});
    expect(mentions(collector, ['bob-phone', 'T-bob'])).toEqual(before);
  });

  it('answers 404 for someone unknown, and needs the key', async () => {
    const collector = await seedPeople();

    expect((await collector.app.request(`/v1/admin/sites/${SITE_KEY}/customers/u:nobody`, { method: 'DELETE', headers: auth })).status).toBe(404);
    expect((await collector.app.request(`/v1/admin/sites/${SITE_KEY}/customers/u:ada`, { method: 'DELETE' })).status).toBe(401);
  });
});

describe('exporting a customer', () => {
  it('returns everything held about them', async () => {
    const collector = await seedPeople();
    const response = await collector.app.request(`/v1/admin/sites/${SITE_KEY}/customers/u:ada/export`, { headers: auth });
    const data = await responseJson<Record<string, unknown[]> & { visitorIds: string[] }>(response);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('attachment');
    expect(data.visitorIds.sort()).toEqual(['ada-laptop', 'ada-phone']);
    expect(data.events).toHaveLength(5);
    expect(data.orders).toHaveLength(1);
    expect(data.decisions).toHaveLength(1);
    expect(data.quarantinedEvents).toHaveLength(1);
    expect(JSON.stringify(data)).not.toContain('bob');
  });
});
