import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent, fromMinorUnits, toMinorUnits, type MoneyResult } from './money.js';

/** Returns the minor units of an accepted amount, or fails the test with the rejection message. */
function minorOf(result: MoneyResult): number {
  if (!result.ok) throw new Error(`expected the amount to be accepted, but it was rejected: ${result.message}`);
  return result.minor;
}

/** Returns the message of a rejected amount, or fails the test with the minor units it produced. */
function messageOf(result: MoneyResult): string {
  if (result.ok) throw new Error(`expected the amount to be rejected, but it converted to ${result.minor}`);
  return result.message;
}

describe('currencyExponent', () => {
  it.each([
    ['GBP', 2],
    ['EUR', 2],
    ['USD', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['TND', 3],
    ['CLF', 4],
  ])('%s has %i decimal places', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(['ABC', 'XXX', 'XTS', 'xxx', 'xts', 'gbp', '', 'GBPX'])('%j is not a currency', (code) => {
    expect(currencyExponent(code)).toBeUndefined();
  });
});

describe('toMinorUnits', () => {
  it.each([
    ['19.99', 'GBP', 1999],
    ['0.5', 'GBP', 50],
    ['1234.50', 'GBP', 123450],
    ['0', 'GBP', 0],
    ['0.00', 'GBP', 0],
    ['7', 'GBP', 700],
    ['007.50', 'GBP', 750],
    ['19.990', 'GBP', 1999],
    [' 19.99\n', 'GBP', 1999],
    ['500', 'JPY', 500],
    ['500.00', 'JPY', 500],
    ['1.234', 'BHD', 1234],
    ['1.234', 'KWD', 1234],
    ['0.001', 'KWD', 1],
    ['1.2', 'KWD', 1200],
    ['1.2345', 'CLF', 12345],
    ['1', 'CLF', 10000],
  ])('string %j in %s is %i', (amount, currency, minor) => {
    expect(minorOf(toMinorUnits(amount, currency))).toBe(minor);
  });

  it.each([
    [19.99, 'GBP', 1999],
    [0.5, 'GBP', 50],
    [1234.5, 'GBP', 123450],
    [0.29, 'GBP', 29],
    [4.35, 'GBP', 435],
    [1.15, 'GBP', 115],
    [8.2, 'GBP', 820],
    [0.07, 'GBP', 7],
    [500, 'JPY', 500],
    [1.005, 'BHD', 1005],
    [1.234, 'KWD', 1234],
    [0.0001, 'CLF', 1],
  ])('number %d in %s is %i', (amount, currency, minor) => {
    expect(minorOf(toMinorUnits(amount, currency))).toBe(minor);
  });

  it('converts 19.99 to 1999, unlike 19.99 * 100', () => {
    expect(Math.floor(19.99 * 100)).toBe(1998);
    expect(minorOf(toMinorUnits(19.99, 'GBP'))).toBe(1999);
  });

  it('converts every cent up to 1000.00 exactly', () => {
    const wrong: number[] = [];
    for (let cents = 0; cents <= 100_000; cents++) {
      const result = toMinorUnits(cents / 100, 'GBP');
      if (!result.ok || result.minor !== cents) wrong.push(cents);
    }
    expect(wrong).toEqual([]);
  });

  it('rejects float arithmetic residue', () => {
    const sum = 0.1 + 0.2;
    const message = messageOf(toMinorUnits(sum, 'GBP'));

    expect(message).toContain('0.30000000000000004');
    expect(message).toContain('more decimals than GBP allows (2)');
    expect(message).toContain('round it to 2 decimal places');
  });

  it('accepts float arithmetic once rounded', () => {
    const sum = Math.round((0.1 + 0.2) * 100) / 100;
    expect(minorOf(toMinorUnits(sum, 'GBP'))).toBe(30);
  });

  describe('ambiguous separators', () => {
    it.each(['6,795', '1 000', "1'000", '1,000.00', '1.000,00', '1\u00a0000', '1\u202f000', '1\t000'])(
      'rejects %j',
      (amount) => {
        const message = messageOf(toMinorUnits(amount, 'GBP'));

        expect(message).toContain(`"${amount}"`);
        expect(message).toContain('is ambiguous');
        expect(message).toContain('with a dot for decimals and no thousands separators');
      },
    );
  });

  describe('too many decimals', () => {
    it.each([
      ['19.999', 'GBP', 2],
      ['0.001', 'EUR', 2],
      ['500.5', 'JPY', 0],
      ['1.2345', 'BHD', 3],
      ['0.0001', 'KWD', 3],
      ['1.23456', 'CLF', 4],
    ])('rejects %j in %s', (amount, currency, places) => {
      const message = messageOf(toMinorUnits(amount, currency));

      expect(message).toContain(amount);
      expect(message).toContain(`more decimals than ${currency} allows (${places})`);
      expect(message).toContain(`round it to ${places} decimal places`);
    });

    it('rejects the number 500.5 in JPY', () => {
      expect(messageOf(toMinorUnits(500.5, 'JPY'))).toContain('more decimals than JPY allows (0)');
    });

    it('ignores trailing zeros beyond the exponent', () => {
      expect(minorOf(toMinorUnits('500.000', 'JPY'))).toBe(500);
    });
  });

  describe('not a decimal', () => {
    it.each(['', '   ', 'abc', '19.99GBP', '£19.99', '1e5', '0x10', '.5', '5.', '+5', '--5', '1.000.000', 'Infinity', 'NaN', '１２'])(
      'rejects %j',
      (amount) => {
        const message = messageOf(toMinorUnits(amount, 'GBP'));

        expect(message).toContain('is not a decimal number');
        expect(message).toContain('such as "19.99"');
      },
    );
  });

  describe('unknown currency', () => {
    it.each(['ABC', 'XXX', 'XTS', 'xxx', 'ZZZ', ''])('rejects %j', (currency) => {
      const message = messageOf(toMinorUnits('19.99', currency));

      expect(message).toContain(`currency "${currency}"`);
      expect(message).toContain('is not an ISO 4217 code');
      expect(message).toContain('"GBP"');
    });

    it('checks the currency before the amount', () => {
      expect(messageOf(toMinorUnits('6,795', 'ABC'))).toContain('is not an ISO 4217 code');
    });
  });

  describe('non-finite numbers', () => {
    it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects %d', (amount) => {
      const message = messageOf(toMinorUnits(amount, 'GBP'));

      expect(message).toContain(String(amount));
      expect(message).toContain('is not a finite number');
    });
  });

  describe('exponent notation', () => {
    it('writes 1e-7 out in decimals', () => {
      const message = messageOf(toMinorUnits(1e-7, 'CLF'));

      expect(message).toContain('0.0000001');
      expect(message).not.toContain('e-7');
      expect(message).toContain('more decimals than CLF allows (4)');
    });

    it('writes -1.5e-8 out in decimals', () => {
      expect(messageOf(toMinorUnits(-1.5e-8, 'GBP'))).toContain('-0.000000015');
    });

    it('accepts 1e15 in JPY', () => {
      expect(minorOf(toMinorUnits(1e15, 'JPY'))).toBe(1_000_000_000_000_000);
    });

    it('rejects 1e20 as too large', () => {
      expect(messageOf(toMinorUnits(1e20, 'JPY'))).toContain('is too large to store exactly');
    });

    it.each([1e21, 1.5e25, -1e21, Number.MAX_VALUE])('rejects %d as too large', (amount) => {
      const message = messageOf(toMinorUnits(amount, 'JPY'));

      expect(message).toContain('is too large to store exactly');
      expect(message).not.toContain('e+');
    });

    it('rejects the string "1e21" as not decimal', () => {
      expect(messageOf(toMinorUnits('1e21', 'JPY'))).toContain('is not a decimal number');
    });
  });

  describe('safe integer limit', () => {
    it('accepts the largest safe integer', () => {
      expect(minorOf(toMinorUnits(String(Number.MAX_SAFE_INTEGER), 'JPY'))).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('rejects one more than the largest safe integer', () => {
      expect(messageOf(toMinorUnits('9007199254740992', 'JPY'))).toContain('is too large to store exactly');
    });

    it('counts the minor units, not the whole part', () => {
      expect(messageOf(toMinorUnits('90071992547409.92', 'GBP'))).toContain('is too large to store exactly');
    });

    it('rejects a long string of digits', () => {
      expect(messageOf(toMinorUnits('1'.repeat(40), 'GBP'))).toContain('is too large to store exactly');
    });
  });

  describe('negative amounts', () => {
    it.each([
      ['-5.00', 'GBP', -500],
      ['-0.01', 'GBP', -1],
      [-19.99, 'GBP', -1999],
      ['-500', 'JPY', -500],
      ['-1.234', 'BHD', -1234],
    ])('%j in %s is %i', (amount, currency, minor) => {
      expect(minorOf(toMinorUnits(amount, currency))).toBe(minor);
    });

    it.each(['-0', '-0.00', -0])('negative zero %j is zero', (amount) => {
      expect(Object.is(minorOf(toMinorUnits(amount, 'GBP')), 0)).toBe(true);
    });

    it('rejects too many decimals when negative', () => {
      expect(messageOf(toMinorUnits('-1.999', 'GBP'))).toContain('more decimals than GBP allows (2)');
    });
  });
});

describe('fromMinorUnits', () => {
  it.each([
    [1999, 'GBP', '19.99'],
    [5, 'GBP', '0.05'],
    [50, 'GBP', '0.50'],
    [0, 'GBP', '0.00'],
    [-5, 'GBP', '-0.05'],
    [-1999, 'GBP', '-19.99'],
    [123450, 'GBP', '1234.50'],
    [500, 'JPY', '500'],
    [0, 'JPY', '0'],
    [-500, 'JPY', '-500'],
    [1234, 'BHD', '1.234'],
    [1, 'KWD', '0.001'],
    [12345, 'CLF', '1.2345'],
    [1, 'CLF', '0.0001'],
  ])('%i in %s is %j', (minor, currency, text) => {
    expect(fromMinorUnits(minor, currency)).toBe(text);
  });

  it('uses 2 decimals for an unknown currency', () => {
    expect(fromMinorUnits(1999, 'ABC')).toBe('19.99');
  });

  it('round trips through toMinorUnits', () => {
    const currencies = fc.constantFrom('GBP', 'JPY', 'BHD', 'KWD', 'CLF');
    const minor = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

    fc.assert(
      fc.property(currencies, minor, (currency, value) => {
        const text = fromMinorUnits(value, currency);
        expect(toMinorUnits(text, currency)).toEqual({ ok: true, minor: value });
      }),
      { seed: 4217, numRuns: 2000 },
    );
  });

  it('round trips numbers through fromMinorUnits', () => {
    const currencies = fc.constantFrom('GBP', 'JPY', 'BHD', 'CLF');
    // Decimals of at most 15 significant digits survive the trip through a double.
    const minor = fc.integer({ min: 0, max: 999_999_999_999_999 });

    fc.assert(
      fc.property(currencies, minor, (currency, value) => {
        const amount = Number(fromMinorUnits(value, currency));
        expect(toMinorUnits(amount, currency)).toEqual({ ok: true, minor: value });
      }),
      { seed: 4217, numRuns: 2000 },
    );
  });
});
