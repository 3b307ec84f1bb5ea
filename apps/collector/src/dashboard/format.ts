import { currencyExponent, fromMinorUnits } from '@patron/protocol';

const DEFAULT_LOCALE = 'en-GB';

/**
 * Picks the first locale of an Accept-Language header that Intl supports, so that numbers and
 * dates read as the shop owner expects. Without a usable header it is "en-GB".
 */
export function pickLocale(acceptLanguage: string | undefined): string {
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((entry) => entry.split(';')[0]!.trim())
    .filter((tag) => tag !== '' && tag !== '*');
  for (const tag of tags) {
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // An invalid tag, such as "en_GB", is skipped.
    }
  }
  return DEFAULT_LOCALE;
}

/** Formats numbers, money in the site's currency, and times in the chosen time zone, for one request. */
export class Formatter {
  private readonly moneyFormat: Intl.NumberFormat;
  private readonly compactMoneyFormat: Intl.NumberFormat;
  private readonly countFormat: Intl.NumberFormat;
  private readonly decimalFormat: Intl.NumberFormat;
  private readonly percentFormat: Intl.NumberFormat;
  private readonly dateFormat: Intl.DateTimeFormat;
  private readonly dateTimeFormat: Intl.DateTimeFormat;
  private readonly timeFormat: Intl.DateTimeFormat;

  constructor(
    readonly locale: string,
    readonly currency: string,
    readonly timeZone: string,
  ) {
    this.moneyFormat = new Intl.NumberFormat(locale, { style: 'currency', currency });
    this.compactMoneyFormat = new Intl.NumberFormat(locale, { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 });
    this.countFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    this.decimalFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    this.percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    this.dateFormat = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium' });
    this.dateTimeFormat = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' });
    this.timeFormat = new Intl.DateTimeFormat(locale, { timeZone, timeStyle: 'short' });
  }

  /** Formats integer minor units of the site's currency exactly, such as 123456 as "£1,234.56". */
  money(minor: number): string {
    // Intl formats a decimal string exactly (ECMA-402 NumberFormat v3, in Node since 19), where a
    // float division could round the last digit of a large amount. TypeScript's ES2022 lib types
    // the argument as a number only.
    return this.moneyFormat.format(fromMinorUnits(Math.round(minor), this.currency) as unknown as number);
  }

  /** Formats minor units that are an average, such as revenue per visitor, rounded to the currency's digits. */
  moneyAverage(minor: number): string {
    return this.moneyFormat.format(minor / 10 ** (currencyExponent(this.currency) ?? 2));
  }

  /** Formats minor units briefly for chart axes, such as "£1.2K". */
  moneyCompact(minor: number): string {
    return this.compactMoneyFormat.format(minor / 10 ** (currencyExponent(this.currency) ?? 2));
  }

  count(value: number): string {
    return this.countFormat.format(value);
  }

  decimal(value: number): string {
    return this.decimalFormat.format(value);
  }

  /** Formats a fraction such as 0.125 as "12.5%". */
  percent(fraction: number): string {
    return this.percentFormat.format(fraction);
  }

  /** Formats a relative change with its sign, such as 0.125 as "+12.5%" and −0.05 as "−5%". */
  change(fraction: number): string {
    let sign = '';
    if (fraction > 0) sign = '+';
    if (fraction < 0) sign = '−';
    return `${sign}${this.percentFormat.format(Math.abs(fraction))}`;
  }

  /** Formats a difference of two rates as signed percentage points, such as "+2.1 points". */
  points(difference: number): string {
    const rounded = Math.round(difference * 1000) / 10;
    let sign = '';
    if (rounded > 0) sign = '+';
    if (rounded < 0) sign = '−';
    return `${sign}${this.decimalFormat.format(Math.abs(rounded))} points`;
  }

  date(at: number | null): string {
    return at === null ? '—' : this.dateFormat.format(at);
  }

  dateTime(at: number | null): string {
    return at === null ? '—' : this.dateTimeFormat.format(at);
  }

  time(at: number): string {
    return this.timeFormat.format(at);
  }

  /** Formats a calendar day given by its parts, without shifting it through a time zone. */
  calendarDay(day: { year: number; month: number; day: number }, options: Intl.DateTimeFormatOptions): string {
    return new Intl.DateTimeFormat(this.locale, { ...options, timeZone: 'UTC' }).format(Date.UTC(day.year, day.month - 1, day.day));
  }
}
