import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, type OfferInput } from '../test/harness.js';
import { ConfigError, loadConfig, parseConfig } from './load.js';

const offer = (overrides: Partial<OfferInput> = {}): OfferInput => ({
  id: 'basket-waiting',
  title: 'Your basket is waiting',
  message: 'Finish your order today.',
  when: { fact: 'cart.quantity', op: 'gt', value: 0 },
  ...overrides,
});

const SHOP = 'https://shop.example';

const withOffers = (...offers: unknown[]) => ({ sites: [{ key: 'demo-shop', offers }] });

/** Returns the ConfigError that `parse` throws, or fails the test. */
function configError(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

describe('parseConfig', () => {
  it('accepts a valid configuration', () => {
    const config = parseConfig({
      sites: [
        {
          key: 'demo-shop',
          name: 'Demo shop',
          allowedOrigins: ['http://localhost:3000', 'https://shop.example'],
          currency: 'EUR',
          offers: [offer({ code: 'BACK10', link: '/cart', priority: 3, placements: ['cart'], payload: { image: '/a.png' } })],
        },
      ],
    });

    expect(config.sites[0]?.currency).toBe('EUR');
    expect(config.sites[0]?.allowedOrigins).toEqual(['http://localhost:3000', 'https://shop.example']);
    expect(config.sites[0]?.offers[0]?.priority).toBe(3);
    expect(config.sites[0]?.offers[0]?.payload).toEqual({ image: '/a.png' });
  });

  it('fills in the defaults', () => {
    const config = parseConfig(withOffers(offer()));

    const site = config.sites[0];
    expect(site?.allowedOrigins).toEqual([]);
    expect(site?.currency).toBe('GBP');
    expect(site?.offers[0]?.priority).toBe(0);
    expect(site?.offers[0]?.placements).toEqual([]);
    expect(site?.offers[0]?.status).toBe('active');
    expect(site?.offers[0]?.controlShare).toBe(0);
    expect(site?.offerSettings.holdoutShare).toBe(0.02);
  });

  it('accepts nested conditions', () => {
    const when = {
      any: [
        { all: [{ fact: 'cart.value', op: 'gte', value: 50 }, { not: { fact: 'visitor.returning', op: 'eq', value: false } }] },
        { fact: 'placement', op: 'in', value: ['cart', 'checkout'] },
      ],
    };

    const config = parseConfig(withOffers(offer({ when })));

    expect(config.sites[0]?.offers[0]?.when).toEqual(when);
  });

  it('names the path of an invalid field', () => {
    const error = configError(() => parseConfig(withOffers(offer(), { ...offer({ id: 'second' }), title: undefined })));

    expect(error.message).toContain('sites.0.offers.1.title');
  });

  it('names the source in the message', () => {
    const error = configError(() => parseConfig({ sites: [] }, 'patron.config.json'));

    expect(error.message).toContain('patron.config.json');
    expect(error.message).toContain('sites: must list at least one site');
  });

  it('lists every invalid field', () => {
    const error = configError(() => parseConfig({ sites: [{ key: 'Demo Shop', currency: 'XYZ' }] }));

    expect(error.message).toContain('sites.0.key');
    expect(error.message).toContain('sites.0.currency');
  });

  it.each([
    [{ fact: 'cart.quantity', op: 'gt', value: '0' }, 'must be a number for "gt"'],
    [{ fact: 'placement', op: 'in', value: 'banner' }, 'must be an array of strings for "in"'],
    [{ fact: 'visitor.returning', op: 'eq', value: 'yes' }, 'must be a boolean'],
    [{ fact: 'placement', op: 'lt', value: 3 }, '"lt" does not apply to placement, which is a string'],
    [{ fact: 'cart.products', op: 'eq', value: 'mug' }, 'use one of contains, containsAny, exists'],
    [{ fact: 'orders.lastAt', op: 'before', value: '30 days ago' }, 'must be an ISO 8601 date'],
    [{ fact: 'cart.categories', op: 'containsAny', value: [] }, 'must be a non-empty array of strings'],
    [{ fact: 'customer.segment', op: 'exists', value: 'yes' }, 'must be true (the fact has a value) or false'],
    [{ fact: 'customer.segment', op: 'in', value: ['champions', 'at_risk'] }, '"at_risk" is not a value of customer.segment; use one of "champions"'],
    [{ fact: 'customer.probabilityAlive', op: 'gt', value: 5 }, 'can never match, because customer.probabilityAlive is from 0 to 1'],
    [{ fact: 'customer.recency', op: 'eq', value: 9 }, 'can never match, because customer.recency is from 1 to 5'],
    [{ fact: 'orders.lastAt', op: 'before', value: '2026-02-30' }, 'must be an ISO 8601 date'],
  ])('rejects a condition that can never match: %j', (when, message) => {
    const error = configError(() => parseConfig(withOffers(offer({ when: when as never }))));

    expect(error.message).toContain('sites.0.offers.0.when.value');
    expect(error.message).toContain(message);
  });

  it('rejects duplicate offer ids', () => {
    const error = configError(() => parseConfig(withOffers(offer(), offer())));

    expect(error.message).toContain('sites.0.offers.1.id');
    expect(error.message).toContain('duplicates offer id "basket-waiting"');
  });

  it('rejects duplicate site keys', () => {
    const error = configError(() => parseConfig({ sites: [{ key: 'demo-shop' }, { key: 'other' }, { key: 'demo-shop' }] }));

    expect(error.message).toContain('sites.2.key');
    expect(error.message).toContain('duplicates site key "demo-shop"');
  });

  it.each(['https://shop.example/', 'https://shop.example/path', 'shop.example', 'ftp://shop.example', ''])(
    'rejects the origin "%s"',
    (origin) => {
      const error = configError(() => parseConfig({ sites: [{ key: 'demo-shop', allowedOrigins: [SHOP, origin] }] }));

      expect(error.message).toContain('sites.0.allowedOrigins.1');
    },
  );

  it('accepts "*" and origins with a port', () => {
    const config = parseConfig({ sites: [{ key: 'demo-shop', allowedOrigins: ['*', 'http://127.0.0.1:8080'] }] });

    expect(config.sites[0]?.allowedOrigins).toEqual(['*', 'http://127.0.0.1:8080']);
  });

  it('rejects an unknown fact by its path', () => {
    const error = configError(() => parseConfig(withOffers(offer({ when: { fact: 'cart.size', op: 'gt', value: 0 } }))));

    expect(error.message).toContain('sites.0.offers.0.when.fact');
    expect(error.message).toContain('cart.quantity');
  });

  it('names the path inside groups', () => {
    const when = { all: [{ fact: 'cart.quantity', op: 'gt', value: 0 }, { not: { fact: 'basket', op: 'eq', value: 1 } }] };

    const error = configError(() => parseConfig(withOffers(offer({ when: when }))));

    expect(error.message).toContain('sites.0.offers.0.when.all.1.not.fact');
  });

  it('rejects an unknown operator by its path', () => {
    const error = configError(() => parseConfig(withOffers(offer({ when: { fact: 'cart.quantity', op: 'more', value: 0 } }))));

    expect(error.message).toContain('sites.0.offers.0.when.op');
  });

  it('rejects an empty group', () => {
    const error = configError(() => parseConfig(withOffers(offer({ when: { any: [] } }))));

    expect(error.message).toContain('sites.0.offers.0.when.any');
  });

  it('rejects unknown keys', () => {
    const error = configError(() => parseConfig({ sites: [{ key: 'demo-shop', origins: ['https://shop.example'] }] }));

    expect(error.message).toContain('origins');
  });
});


describe('loadConfig', () => {
  it('reads a valid file', () => {
    const path = join(makeTempDir(), 'patron.config.json');
    writeFileSync(path, JSON.stringify(withOffers(offer())));

    const config = loadConfig(path);

    expect(config.sites[0]?.key).toBe('demo-shop');
  });

  it('reports a missing file with its path', () => {
    const path = join(makeTempDir(), 'missing.json');

    const error = configError(() => loadConfig(path));

    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain('ENOENT');
    expect(error.message).toContain('--config');
  });

  it('reports a directory as unreadable', () => {
    const path = join(makeTempDir(), 'config-folder');
    mkdirSync(path);

    const error = configError(() => loadConfig(path));

    expect(error.message).toContain(`Cannot read the configuration file ${path}`);
  });

  it('reports invalid JSON with its path', () => {
    const path = join(makeTempDir(), 'patron.config.json');
    writeFileSync(path, '{ "sites": [ ');

    const error = configError(() => loadConfig(path));

    expect(error.path).toBe(path);
    expect(error.message).toContain(`The configuration file ${path} is not valid JSON`);
  });

  it('names the file of invalid content', () => {
    const path = join(makeTempDir(), 'patron.config.json');
    writeFileSync(path, JSON.stringify({ sites: [{ key: 'demo-shop', currency: 'XYZ' }] }));

    const error = configError(() => loadConfig(path));

    expect(error.message).toContain(path);
    expect(error.message).toContain('sites.0.currency');
  });
});

describe('offer fields', () => {
  it.each([
    [{ link: 'javascript:alert(1)' }, 'sites.0.offers.0.link'],
    [{ link: '//evil.example/' }, 'sites.0.offers.0.link'],
    [{ payload: { decisionId: 'x' } }, 'sites.0.offers.0.payload'],
    [{ placements: ['top banner'] }, 'sites.0.offers.0.placements.0'],
  ])('rejects %j', (fields, path) => {
    const error = configError(() => parseConfig({ sites: [{ key: 'shop', offers: [{ id: 'o', title: 'T', message: 'M', ...fields }] }] }));

    expect(error.message).toContain(path);
  });

  it('rejects conditions nested too deep', () => {
    let when: unknown = { fact: 'cart.quantity', op: 'gt', value: 0 };
    for (let level = 0; level < 40; level++) when = { not: when };

    const error = configError(() => parseConfig({ sites: [{ key: 'shop', offers: [{ id: 'o', title: 'T', message: 'M', when }] }] }));

    expect(error.message).toContain('nests conditions more than 32 levels deep');
  });

  it('accepts a path link', () => {
    expect(parseConfig({ sites: [{ key: 'shop', offers: [{ id: 'o', title: 'T', message: 'M', link: '/cart/' }] }] }).sites[0]?.offers[0]?.link).toBe('/cart/');
  });
});
