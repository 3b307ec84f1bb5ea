import { describe, expect, it } from 'vitest';
import { eventTypes, type EventType } from './events.js';
import type { Issue } from './issues.js';
import { limits } from './limits.js';
import { parseEvent, type Event } from './normalize.js';

type Raw = Record<string, unknown>;

const base = {
  id: 'evt_01HZX3',
  visitorId: 'vis-7f3a',
  sessionId: 'ses_42',
  timestamp: 1_718_000_000_000,
};

const shirt = { id: 'SKU-1', name: 'Linen shirt', category: 'Shirts', price: '19.99', quantity: 2 };
const socks = { id: 'SKU-2', name: 'Wool socks', price: 4.5 };

/** One valid event of each type, as a client would send it. */
const validEvents: Record<EventType, Raw> = {
  page_view: { ...base, type: 'page_view', url: 'https://shop.example/', referrer: 'https://search.example/', title: 'Home' },
  view_item: { ...base, type: 'view_item', currency: 'GBP', items: [shirt], value: '19.99' },
  add_to_cart: { ...base, type: 'add_to_cart', currency: 'GBP', items: [shirt, socks], value: 44.48 },
  remove_from_cart: { ...base, type: 'remove_from_cart', currency: 'GBP', items: [socks] },
  begin_checkout: { ...base, type: 'begin_checkout', currency: 'GBP', items: [shirt], value: '39.98' },
  purchase: {
    ...base,
    type: 'purchase',
    transactionId: 'ORDER-1001',
    value: '48.97',
    currency: 'GBP',
    items: [shirt, socks],
    tax: 8.16,
    shipping: '4.99',
    coupon: 'SPRING10',
  },
  refund: { ...base, type: 'refund', transactionId: 'ORDER-1001', value: '4.50', currency: 'GBP', items: [socks] },
  identify: { ...base, type: 'identify', userId: 'customer-881', traits: { plan: 'gold', orders: 3, vip: true, phone: null } },
  custom: { ...base, type: 'custom', name: 'newsletter.signup', props: { source: 'footer', step: 2 } },
  offer_exposure: { ...base, type: 'offer_exposure', decisionId: 'dec_1', offerId: 'basket-waiting', variant: 'ten-off', group: 'treatment' },
  offer_click: { ...base, type: 'offer_click', decisionId: 'dec_1', offerId: 'basket-waiting', variant: 'ten-off', group: 'treatment' },
  offer_dismiss: { ...base, type: 'offer_dismiss', decisionId: 'dec_1', offerId: 'basket-waiting', variant: 'ten-off', group: 'treatment' },
};

describe('offer events', () => {
  it('accepts a holdout exposure without offer', () => {
    const exposure = acceptedAs(without(event('offer_exposure', { group: 'holdout' }), 'offerId', 'variant'), 'offer_exposure');
    expect(exposure.group).toBe('holdout');
  });

  it('needs an offer for a click', () => {
    expect(onlyIssue(without(event('offer_click'), 'offerId')).path).toBe('offerId');
  });

  it('rejects an unknown group', () => {
    expect(onlyIssue(event('offer_exposure', { group: 'everyone' })).path).toBe('group');
  });
});

const itemEventTypes = ['view_item', 'add_to_cart', 'remove_from_cart'] as const;

describe('refund', () => {
  it('converts a partial refund to minor units', () => {
    const refund = acceptedAs(event('refund'), 'refund');
    expect(refund.value).toBe(450);
    expect(refund.items?.[0]?.price).toBe(450);
  });

  it('accepts a whole refund without value', () => {
    const refund = acceptedAs(without(event('refund'), 'value', 'items', 'currency'), 'refund');
    expect(refund.value).toBeUndefined();
  });

  it('needs a currency for a value', () => {
    expect(onlyIssue(without(event('refund'), 'currency', 'items')).path).toBe('currency');
  });

  it('needs a transaction id', () => {
    expect(onlyIssue(without(event('refund'), 'transactionId')).path).toBe('transactionId');
  });
});

function event(type: EventType, changes: Raw = {}): Raw {
  return { ...structuredClone(validEvents[type]), ...changes };
}

function without(raw: Raw, ...keys: string[]): Raw {
  const copy = { ...raw };
  for (const key of keys) delete copy[key];
  return copy;
}

/** Returns the converted event, or fails the test with the issues. */
function accepted(raw: unknown): Event {
  const result = parseEvent(raw);
  if (!result.ok) throw new Error(`expected the event to be accepted, but got issues ${JSON.stringify(result.issues)}`);
  return result.event;
}

/** Returns the converted event narrowed to `type`, or fails the test. */
function acceptedAs<T extends EventType>(raw: unknown, type: T): Extract<Event, { type: T }> {
  const converted = accepted(raw);
  if (converted.type !== type) throw new Error(`expected a ${type} event, got ${converted.type}`);
  return converted as Extract<Event, { type: T }>;
}

/** Returns the issues of a rejected event, or fails the test with the converted event. */
function rejected(raw: unknown): Issue[] {
  const result = parseEvent(raw);
  if (result.ok) throw new Error(`expected the event to be rejected, but got ${JSON.stringify(result.event)}`);
  return result.issues;
}

/** Returns the only issue of a rejected event. */
function onlyIssue(raw: unknown): Issue {
  const issues = rejected(raw);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

function issueAt(issues: Issue[], path: string): Issue {
  const issue = issues.find((candidate) => candidate.path === path);
  if (!issue) throw new Error(`expected an issue at "${path}", got ${JSON.stringify(issues)}`);
  return issue;
}

describe('parseEvent', () => {
  describe('every type', () => {
    it('covers every event type', () => {
      expect(Object.keys(validEvents).sort()).toEqual([...eventTypes].sort());
    });

    it.each(eventTypes)('accepts a valid %s', (type) => {
      expect(accepted(event(type)).type).toBe(type);
    });

    it.each(eventTypes)('keeps the common fields of %s', (type) => {
      const converted = accepted(event(type));

      expect(converted.id).toBe(base.id);
      expect(converted.visitorId).toBe(base.visitorId);
      expect(converted.sessionId).toBe(base.sessionId);
      expect(converted.timestamp).toBe(base.timestamp);
    });

    it.each(eventTypes)('drops unknown fields of %s', (type) => {
      expect(accepted(event(type, { debug: true }))).not.toHaveProperty('debug');
    });

    const requiredFields = ['id', 'visitorId', 'sessionId', 'timestamp'] as const;
    it.each(eventTypes.flatMap((type) => requiredFields.map((field) => [type, field] as const)))(
      '%s without %s is rejected',
      (type, field) => {
        const issue = onlyIssue(without(event(type), field));

        expect(issue.path).toBe(field);
        expect(issue.message).toContain('received undefined');
      },
    );
  });

  describe('client ids', () => {
    it.each(['id', 'visitorId', 'sessionId'])('%s with a space is rejected', (field) => {
      const issue = onlyIssue(event('page_view', { [field]: 'abc def' }));

      expect(issue.path).toBe(field);
      expect(issue.message).toBe('must contain only letters, digits, "-" and "_"');
    });

    it.each(['a/b', 'a.b', 'a:b', 'café', '../etc', 'a\nb', '<script>'])('id %j is rejected', (id) => {
      expect(onlyIssue(event('page_view', { id })).path).toBe('id');
    });

    it('accepts a UUID', () => {
      expect(accepted(event('page_view', { id: '0b9c1c52-6f0e-4c8e-9a47-2f1d1b3f6a10' })).id).toBe(
        '0b9c1c52-6f0e-4c8e-9a47-2f1d1b3f6a10',
      );
    });

    it('accepts an id of maximum length', () => {
      const id = 'a'.repeat(limits.maxIdLength);
      expect(accepted(event('page_view', { id })).id).toBe(id);
    });

    it('rejects an id over maximum length', () => {
      const issue = onlyIssue(event('page_view', { id: 'a'.repeat(limits.maxIdLength + 1) }));

      expect(issue.path).toBe('id');
      expect(issue.message).toContain(String(limits.maxIdLength));
    });

    it('rejects an empty id', () => {
      expect(rejected(event('page_view', { id: '' })).map((issue) => issue.path)).toContain('id');
    });

    it('rejects a numeric id', () => {
      const issue = onlyIssue(event('page_view', { id: 42 }));

      expect(issue.path).toBe('id');
      expect(issue.message).toContain('expected string');
    });
  });

  describe('timestamp', () => {
    it.each([
      [0, 'Too small'],
      [-1, 'Too small'],
      [1.5, 'expected int'],
      ['1718000000000', 'expected number'],
      [Number.MAX_SAFE_INTEGER + 1, 'Too big'],
    ])('%j is rejected', (timestamp, message) => {
      const issue = onlyIssue(event('page_view', { timestamp }));

      expect(issue.path).toBe('timestamp');
      expect(issue.message).toContain(message);
    });
  });

  describe('type', () => {
    it('rejects an unknown type', () => {
      const issue = onlyIssue(event('page_view', { type: 'pageview' }));

      expect(issue.path).toBe('type');
      expect(issue.message).toContain('unknown event type "pageview"');
    });

    it.each(eventTypes)('lists %s for an unknown type', (type) => {
      expect(onlyIssue(event('page_view', { type: 'pageview' })).message).toContain(type);
    });

    it('rejects an unknown type before other fields', () => {
      const issues = rejected({ type: 'chargeback' });

      expect(issues).toHaveLength(1);
      expect(issues[0]!.path).toBe('type');
    });

    it('rejects a missing type', () => {
      const issue = onlyIssue(without(event('page_view'), 'type'));

      expect(issue.path).toBe('type');
      expect(issue.message).toContain('expected string');
    });

    it.each(['Page_View', 'page_view ', '__proto__', 'constructor', ''])('rejects type %j', (type) => {
      expect(onlyIssue(event('page_view', { type })).path).toBe('type');
    });
  });

  describe('input that is not an object', () => {
    it.each([
      [null, 'null'],
      [undefined, 'undefined'],
      ['page_view', 'string'],
      [42, 'number'],
      [[validEvents.page_view], 'array'],
    ])('rejects %j', (input, received) => {
      const issue = onlyIssue(input);

      expect(issue.path).toBe('');
      expect(issue.message).toContain('expected object');
      expect(issue.message).toContain(`received ${received}`);
    });
  });

  describe('page_view', () => {
    it('keeps url, referrer and title', () => {
      const converted = acceptedAs(event('page_view'), 'page_view');

      expect(converted.url).toBe('https://shop.example/');
      expect(converted.referrer).toBe('https://search.example/');
      expect(converted.title).toBe('Home');
    });

    it('accepts only the required fields', () => {
      expect(accepted({ ...base, type: 'page_view' })).toEqual({ ...base, type: 'page_view' });
    });

    it('cuts a url over maximum length', () => {
      const url = `https://shop.example/?utm=${'a'.repeat(limits.maxUrlLength)}`;
      const converted = acceptedAs(event('page_view', { url }), 'page_view');

      expect(converted.url).toBe(url.slice(0, limits.maxUrlLength));
    });

    it('cuts a title and referrer over maximum length', () => {
      const converted = acceptedAs(
        event('page_view', { title: 't'.repeat(limits.maxTextLength + 1), referrer: 'r'.repeat(limits.maxUrlLength + 5) }),
        'page_view',
      );

      expect(converted.title).toHaveLength(limits.maxTextLength);
      expect(converted.referrer).toHaveLength(limits.maxUrlLength);
    });

    it('rejects an empty userId', () => {
      expect(onlyIssue(event('page_view', { userId: '' })).path).toBe('userId');
    });
  });

  describe.each(itemEventTypes)('%s', (type) => {
    it('converts prices to minor units', () => {
      const converted = acceptedAs(event(type, { items: [shirt, socks] }), type);

      expect(converted.items?.[0]?.price).toBe(1999);
      expect(converted.items?.[1]?.price).toBe(450);
    });

    it('converts value to minor units', () => {
      expect(acceptedAs(event(type, { value: '44.48' }), type).value).toBe(4448);
    });

    it('leaves value out when absent', () => {
      expect(acceptedAs(without(event(type), 'value'), type)).not.toHaveProperty('value');
    });

    it('defaults quantity to 1', () => {
      expect(acceptedAs(event(type, { items: [socks] }), type).items?.[0]?.quantity).toBe(1);
    });

    it('keeps a given quantity', () => {
      expect(acceptedAs(event(type, { items: [shirt] }), type).items?.[0]?.quantity).toBe(2);
    });

    it('keeps item fields', () => {
      expect(acceptedAs(event(type, { items: [shirt] }), type).items?.[0]).toEqual({
        id: 'SKU-1',
        name: 'Linen shirt',
        category: 'Shirts',
        price: 1999,
        quantity: 2,
      });
    });

    it('rejects missing items', () => {
      const issue = onlyIssue(without(event(type), 'items'));

      expect(issue.path).toBe('items');
      expect(issue.message).toContain('expected array');
    });

    it('rejects empty items', () => {
      const issue = onlyIssue(event(type, { items: [] }));

      expect(issue.path).toBe('items');
      expect(issue.message).toContain('>=1');
    });

    it('rejects too many items', () => {
      const items = Array.from({ length: limits.maxItemsPerEvent + 1 }, (_, index) => ({ ...socks, id: `SKU-${index}` }));
      const issue = onlyIssue(event(type, { items }));

      expect(issue.path).toBe('items');
      expect(issue.message).toContain(`<=${limits.maxItemsPerEvent}`);
    });

    it('accepts the maximum number of items', () => {
      const items = Array.from({ length: limits.maxItemsPerEvent }, (_, index) => ({ ...socks, id: `SKU-${index}` }));
      expect(acceptedAs(event(type, { items }), type).items).toHaveLength(limits.maxItemsPerEvent);
    });

    it.each([
      [0, 'Too small'],
      [-1, 'Too small'],
      [1.5, 'expected int'],
      [100_001, 'Too big'],
      ['2', 'expected number'],
    ])('rejects quantity %j', (quantity, message) => {
      const issue = onlyIssue(event(type, { items: [socks, { ...shirt, quantity }] }));

      expect(issue.path).toBe('items.1.quantity');
      expect(issue.message).toContain(message);
    });

    it.each(['id', 'name', 'price'])('rejects an item without %s', (field) => {
      const issue = onlyIssue(event(type, { items: [without(shirt, field)] }));

      expect(issue.path).toBe(`items.0.${field}`);
    });

    it('rejects an item price with too many decimals', () => {
      const issue = onlyIssue(event(type, { items: [socks, { ...shirt, price: '19.999' }] }));

      expect(issue.path).toBe('items.1.price');
      expect(issue.message).toContain('more decimals than GBP allows (2)');
    });

    it('rejects an ambiguous item price', () => {
      const issue = onlyIssue(event(type, { items: [{ ...shirt, price: '6,795' }] }));

      expect(issue.path).toBe('items.0.price');
      expect(issue.message).toContain('is ambiguous');
    });

    it('rejects a negative item price', () => {
      const issue = onlyIssue(event(type, { items: [{ ...shirt, price: -1 }] }));

      expect(issue.path).toBe('items.0.price');
      expect(issue.message).toContain('is negative');
    });

    it('rejects a boolean item price', () => {
      const issue = onlyIssue(event(type, { items: [{ ...shirt, price: true }] }));

      expect(issue.path).toBe('items.0.price');
      expect(issue.message).toContain('must be a number such as 19.99 or a decimal string such as "19.99"');
    });

    it('reports every invalid price', () => {
      const issues = rejected(event(type, { items: [{ ...shirt, price: '1.001' }, socks, { ...socks, price: '-2' }] }));

      expect(issues.map((issue) => issue.path)).toEqual(['items.0.price', 'items.2.price']);
    });

    it('rejects a missing currency', () => {
      const issue = onlyIssue(without(event(type), 'currency'));

      expect(issue.path).toBe('currency');
      expect(issue.message).toContain('expected string');
    });

    it.each(['gbp', 'GB', 'GBPX', '£'])('rejects currency %j', (currency) => {
      const issue = onlyIssue(event(type, { currency }));

      expect(issue.path).toBe('currency');
      expect(issue.message).toBe('must be a 3-letter ISO 4217 code such as "GBP"');
    });

    it.each(['ABC', 'XXX'])('reports unknown currency %s once', (currency) => {
      const issue = onlyIssue(event(type, { currency, items: [shirt, socks], value: '1.00' }));

      expect(issue.path).toBe('currency');
      expect(issue.message).toContain(`currency "${currency}" is not an ISO 4217 code`);
    });

    it('rejects a value with too many decimals', () => {
      const issue = onlyIssue(event(type, { value: '44.481' }));

      expect(issue.path).toBe('value');
      expect(issue.message).toContain('more decimals than GBP allows (2)');
    });
  });

  describe('begin_checkout', () => {
    it('accepts an event without items or amounts', () => {
      expect(accepted({ ...base, type: 'begin_checkout' })).toEqual({ ...base, type: 'begin_checkout' });
    });

    it('accepts empty items', () => {
      expect(acceptedAs(event('begin_checkout', { items: [] }), 'begin_checkout').items).toEqual([]);
    });

    it('converts value and prices to minor units', () => {
      const converted = acceptedAs(event('begin_checkout'), 'begin_checkout');

      expect(converted.value).toBe(3998);
      expect(converted.items?.[0]?.price).toBe(1999);
    });

    it('defaults quantity to 1', () => {
      expect(acceptedAs(event('begin_checkout', { items: [socks] }), 'begin_checkout').items?.[0]?.quantity).toBe(1);
    });

    it('accepts a currency without amounts', () => {
      expect(acceptedAs({ ...base, type: 'begin_checkout', currency: 'EUR' }, 'begin_checkout').currency).toBe('EUR');
    });

    it('requires a currency for value', () => {
      const issue = onlyIssue({ ...base, type: 'begin_checkout', value: '39.98' });

      expect(issue.path).toBe('currency');
      expect(issue.message).toBe('is required when value is set; add an ISO 4217 code such as "GBP"');
    });

    it('requires a currency for item prices', () => {
      const issue = onlyIssue({ ...base, type: 'begin_checkout', items: [shirt] });

      expect(issue.path).toBe('currency');
      expect(issue.message).toContain('is required when items.0.price is set');
    });

    it('reports a missing currency once', () => {
      const issues = rejected({ ...base, type: 'begin_checkout', items: [shirt, socks, shirt], value: 1 });

      expect(issues).toHaveLength(1);
      expect(issues[0]!.path).toBe('currency');
    });

    it('accepts empty items without a currency', () => {
      expect(acceptedAs({ ...base, type: 'begin_checkout', items: [] }, 'begin_checkout').items).toEqual([]);
    });

    it('rejects too many items', () => {
      const items = Array.from({ length: limits.maxItemsPerEvent + 1 }, () => socks);
      expect(onlyIssue(event('begin_checkout', { items })).path).toBe('items');
    });

    it('rejects quantity 0', () => {
      expect(onlyIssue(event('begin_checkout', { items: [{ ...shirt, quantity: 0 }] })).path).toBe('items.0.quantity');
    });
  });

  describe('purchase', () => {
    it('converts every amount to minor units', () => {
      const converted = acceptedAs(event('purchase'), 'purchase');

      expect(converted.value).toBe(4897);
      expect(converted.tax).toBe(816);
      expect(converted.shipping).toBe(499);
      expect(converted.items?.map((item) => item.price)).toEqual([1999, 450]);
    });

    it('keeps transactionId, currency and coupon', () => {
      const converted = acceptedAs(event('purchase'), 'purchase');

      expect(converted.transactionId).toBe('ORDER-1001');
      expect(converted.currency).toBe('GBP');
      expect(converted.coupon).toBe('SPRING10');
    });

    it('defaults items to an empty array', () => {
      expect(acceptedAs(without(event('purchase'), 'items'), 'purchase').items).toEqual([]);
    });

    it('defaults quantity to 1', () => {
      expect(acceptedAs(event('purchase'), 'purchase').items?.[1]?.quantity).toBe(1);
    });

    it('leaves tax and shipping out when absent', () => {
      const converted = acceptedAs(without(event('purchase'), 'tax', 'shipping'), 'purchase');

      expect(converted).not.toHaveProperty('tax');
      expect(converted).not.toHaveProperty('shipping');
    });

    it('accepts a zero value', () => {
      expect(acceptedAs(event('purchase', { value: 0 }), 'purchase').value).toBe(0);
    });

    it('accepts JPY without decimals', () => {
      const converted = acceptedAs(event('purchase', { currency: 'JPY', value: 500, items: [], tax: '50', shipping: 0 }), 'purchase');

      expect(converted.value).toBe(500);
      expect(converted.tax).toBe(50);
    });

    it('rejects JPY with decimals', () => {
      const issue = onlyIssue(event('purchase', { currency: 'JPY', value: '500.5', items: [], tax: 0, shipping: 0 }));

      expect(issue.path).toBe('value');
      expect(issue.message).toContain('more decimals than JPY allows (0)');
    });

    it('accepts KWD with 3 decimals', () => {
      const converted = acceptedAs(event('purchase', { currency: 'KWD', value: '1.234', items: [], tax: 0, shipping: 0 }), 'purchase');
      expect(converted.value).toBe(1234);
    });

    it('rejects a missing transactionId', () => {
      const issue = onlyIssue(without(event('purchase'), 'transactionId'));

      expect(issue.path).toBe('transactionId');
      expect(issue.message).toContain('expected string');
    });

    it('rejects an empty transactionId', () => {
      expect(onlyIssue(event('purchase', { transactionId: '' })).path).toBe('transactionId');
    });

    it('rejects a missing value', () => {
      const issue = onlyIssue(without(event('purchase'), 'value'));

      expect(issue.path).toBe('value');
      expect(issue.message).toContain('must be a number such as 19.99');
    });

    it('rejects a missing currency', () => {
      expect(onlyIssue(without(event('purchase'), 'currency')).path).toBe('currency');
    });

    it('rejects a negative value', () => {
      const issue = onlyIssue(event('purchase', { value: '-48.97' }));

      expect(issue.path).toBe('value');
      expect(issue.message).toContain('is negative');
    });

    it('accepts a negative zero value as zero', () => {
      expect(Object.is(acceptedAs(event('purchase', { value: '-0.00' }), 'purchase').value, 0)).toBe(true);
    });

    it.each(['tax', 'shipping'])('rejects %s with too many decimals', (field) => {
      const issue = onlyIssue(event('purchase', { [field]: '1.005' }));

      expect(issue.path).toBe(field);
      expect(issue.message).toContain('more decimals than GBP allows (2)');
    });

    it('rejects an amount string over 32 characters', () => {
      const issue = onlyIssue(event('purchase', { value: `0.${'0'.repeat(31)}` }));

      expect(issue.path).toBe('value');
      expect(issue.message).toContain('<=32');
    });

    it('rejects a non-finite value', () => {
      const issue = onlyIssue(event('purchase', { value: Number.POSITIVE_INFINITY }));

      expect(issue.path).toBe('value');
      expect(issue.message).toContain('must be a number such as 19.99');
    });

    it('reports an invalid item price by index', () => {
      expect(onlyIssue(event('purchase', { items: [shirt, { ...socks, price: '4.505' }] })).path).toBe('items.1.price');
    });

    it('reports every invalid amount', () => {
      const issues = rejected(event('purchase', { value: '-1', tax: '0.001', shipping: '1 000' }));

      expect(issues.map((issue) => issue.path).sort()).toEqual(['shipping', 'tax', 'value']);
    });
  });

  describe('identify', () => {
    it('keeps userId and traits', () => {
      const converted = acceptedAs(event('identify'), 'identify');

      expect(converted.userId).toBe('customer-881');
      expect(converted.traits).toEqual({ plan: 'gold', orders: 3, vip: true, phone: null });
    });

    it('accepts no traits', () => {
      expect(acceptedAs(without(event('identify'), 'traits'), 'identify')).not.toHaveProperty('traits');
    });

    it('rejects a missing userId', () => {
      const issue = onlyIssue(without(event('identify'), 'userId'));

      expect(issue.path).toBe('userId');
      expect(issue.message).toContain('expected string');
    });

    it('rejects an empty userId', () => {
      expect(onlyIssue(event('identify', { userId: '' })).path).toBe('userId');
    });

    it('rejects a nested trait', () => {
      const issue = onlyIssue(event('identify', { traits: { address: { city: 'Leeds' } } }));

      expect(issue.path).toBe('traits.address');
      expect(issue.message).toContain('must be a string, number, boolean or null');
    });

    it('rejects too many traits', () => {
      const traits = Object.fromEntries(Array.from({ length: limits.maxProperties + 1 }, (_, index) => [`t${index}`, index]));
      const issue = onlyIssue(event('identify', { traits }));

      expect(issue.path).toBe('traits');
      expect(issue.message).toBe(`must have at most ${limits.maxProperties} keys`);
    });
  });

  describe('custom', () => {
    it('keeps name and props', () => {
      const converted = acceptedAs(event('custom'), 'custom');

      expect(converted.name).toBe('newsletter.signup');
      expect(converted.props).toEqual({ source: 'footer', step: 2 });
    });

    it.each(['a', 'Signup', 'cart:coupon-applied', 'form_v2.submit', 'A-1'])('accepts name %j', (name) => {
      expect(acceptedAs(event('custom', { name }), 'custom').name).toBe(name);
    });

    it('accepts a 64-character name', () => {
      const name = `a${'b'.repeat(63)}`;
      expect(acceptedAs(event('custom', { name }), 'custom').name).toBe(name);
    });

    it('rejects a 65-character name', () => {
      expect(onlyIssue(event('custom', { name: `a${'b'.repeat(64)}` })).path).toBe('name');
    });

    it('rejects a missing name', () => {
      const issue = onlyIssue(without(event('custom'), 'name'));

      expect(issue.path).toBe('name');
      expect(issue.message).toContain('expected string');
    });

    it.each(['', '1signup', '_signup', 'sign up', 'signup!', 'café', 'a/b'])('rejects name %j', (name) => {
      const issue = onlyIssue(event('custom', { name }));

      expect(issue.path).toBe('name');
      expect(issue.message).toContain('must start with a letter');
    });

    it('rejects a nested object in props', () => {
      const issue = onlyIssue(event('custom', { props: { source: 'footer', form: { step: 2 } } }));

      expect(issue.path).toBe('props.form');
      expect(issue.message).toContain('must be a string, number, boolean or null');
    });

    it('rejects an array in props', () => {
      expect(onlyIssue(event('custom', { props: { tags: ['a', 'b'] } })).path).toBe('props.tags');
    });

    it('accepts the maximum number of props', () => {
      const props = Object.fromEntries(Array.from({ length: limits.maxProperties }, (_, index) => [`p${index}`, index]));
      expect(Object.keys(acceptedAs(event('custom', { props }), 'custom').props ?? {})).toHaveLength(limits.maxProperties);
    });

    it('rejects too many props', () => {
      const props = Object.fromEntries(Array.from({ length: limits.maxProperties + 1 }, (_, index) => [`p${index}`, index]));
      const issue = onlyIssue(event('custom', { props }));

      expect(issue.path).toBe('props');
      expect(issue.message).toBe(`must have at most ${limits.maxProperties} keys`);
    });

    it('rejects a prop key over 64 characters', () => {
      const key = 'k'.repeat(65);
      expect(onlyIssue(event('custom', { props: { [key]: 1 } })).path).toBe(`props.${key}`);
    });

    it('rejects a prop string over 1024 characters', () => {
      const issue = onlyIssue(event('custom', { props: { note: 'n'.repeat(1025) } }));

      expect(issue.path).toBe('props.note');
      expect(issue.message).toContain('<=1024');
    });
  });

  describe('several problems', () => {
    it('reports every invalid field', () => {
      const issues = rejected({ type: 'purchase', id: 'a b', timestamp: -1, currency: 'GBP', value: 1 });

      expect(issueAt(issues, 'id').message).toContain('must contain only letters');
      expect(issueAt(issues, 'visitorId').message).toContain('received undefined');
      expect(issueAt(issues, 'sessionId').message).toContain('received undefined');
      expect(issueAt(issues, 'timestamp').message).toContain('Too small');
      expect(issueAt(issues, 'transactionId').message).toContain('received undefined');
    });
  });

  describe('minor units', () => {
    const typesWithAmounts = ['view_item', 'add_to_cart', 'remove_from_cart', 'begin_checkout', 'purchase'] as const;
    it.each(typesWithAmounts)('every amount of %s is an integer', (type) => {
      const converted = accepted(event(type)) as Record<string, unknown>;
      const amounts: unknown[] = ['value', 'tax', 'shipping'].filter((field) => field in converted).map((field) => converted[field]);
      for (const item of (converted.items ?? []) as Array<{ price: unknown }>) amounts.push(item.price);

      expect(amounts.length).toBeGreaterThan(0);
      for (const amount of amounts) expect(Number.isSafeInteger(amount)).toBe(true);
    });

    it('does not change the input', () => {
      const raw = event('purchase');
      const copy = structuredClone(raw);
      accepted(raw);

      expect(raw).toEqual(copy);
    });
  });
});
