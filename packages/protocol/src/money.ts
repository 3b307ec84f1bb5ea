import currencyCodes from 'currency-codes';

/** A decimal amount as it travels on the wire: a JSON number such as 19.99, or a string such as "19.99". */
export type Amount = number | string;

export type MoneyResult = { ok: true; minor: number } | { ok: false; message: string };

// ISO 4217 assigns these codes to "no currency" and to testing; they never price a real order.
const NON_CURRENCIES = new Set(['XXX', 'XTS']);

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Returns the ISO 4217 minor-unit exponent of a currency (2 for GBP, 0 for JPY, 3 for BHD),
 * or undefined when the code is not an active ISO 4217 currency.
 */
export function currencyExponent(code: string): number | undefined {
  // currency-codes 2.2 looks codes up case-insensitively, so "xxx" must be caught here too.
  // currency-codes matches case-insensitively, but events must use the upper-case code.
  if (!/^[A-Z]{3}$/.test(code) || NON_CURRENCIES.has(code)) return undefined;
  return currencyCodes.code(code)?.digits;
}

/**
 * Converts a decimal amount into integer minor units of the currency, exactly.
 *
 * Numbers are read through their shortest decimal form, so 19.99 becomes 1999 and never 1998.
 * Strings must be plain decimals with a dot ("1234.50"): "6,795" is rejected because it means
 * 6.795 in some locales and 6795 in others.
 */
export function toMinorUnits(amount: Amount, currency: string): MoneyResult {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) {
    return { ok: false, message: `currency "${currency}" is not an ISO 4217 code; use a code such as "GBP"` };
  }

  const text = typeof amount === 'number' ? numberToDecimal(amount) : amount.trim();
  if (text === undefined) {
    return { ok: false, message: `amount ${amount} is not a finite number` };
  }
  if (/[,\s']/.test(text)) {
    return {
      ok: false,
      message: `amount "${amount}" is ambiguous: write it with a dot for decimals and no thousands separators, such as "6795.00" or "6.795"`,
    };
  }

  const match = DECIMAL.exec(text);
  if (!match) {
    return { ok: false, message: `amount "${amount}" is not a decimal number; send a number such as 19.99 or a string such as "19.99"` };
  }
  const [, sign, whole = '0', fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) {
    return {
      ok: false,
      message: `amount ${text} has more decimals than ${currency} allows (${exponent}); round it to ${exponent} decimal places`,
    };
  }

  const minor = Number(whole + significant.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) {
    return { ok: false, message: `amount ${text} is too large to store exactly` };
  }
  // "-0.00" is zero, not negative zero.
  return { ok: true, minor: sign && minor !== 0 ? -minor : minor };
}

/** Converts integer minor units back to a decimal string ("19.99"), for display and exports. */
export function fromMinorUnits(minor: number, currency: string): string {
  const exponent = currencyExponent(currency) ?? 2;
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

function numberToDecimal(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  // Number#toString switches to exponent notation below 1e-7 and from 1e21.
  const text = String(value);
  if (!text.includes('e')) return text;
  // toFixed also uses exponent notation from 1e21, but every double that large is a whole number, which BigInt writes out exactly.
  if (Math.abs(value) >= 1e21) return BigInt(value).toString();
  return value.toFixed(20).replace(/\.?0+$/, '');
}
