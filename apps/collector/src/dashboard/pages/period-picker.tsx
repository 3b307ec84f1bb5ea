import type { FC } from 'hono/jsx';
import type { PageContext } from '../context.js';
import { dashboardUrl } from '../links.js';
import { type Period, formatDay, periodLabels, periodNames } from '../period.js';

/** The overview's choice of period: named periods as links, and a form for any days, bar size and time zone. */
export const PeriodPicker: FC<{ context: PageContext; period: Period }> = ({ context, period }) => (
  <section class="card" aria-labelledby="period-title">
    <h2 id="period-title">Period</h2>
    <ul class="segmented">
      {periodNames.map((name) => (
        <li>
          <a href={dashboardUrl('', { period: name, tz: context.tzParam })} aria-current={period.name === name ? 'true' : undefined}>
            {periodLabels[name]}
          </a>
        </li>
      ))}
    </ul>
    <form class="filters" method="get" action={dashboardUrl('')}>
      <input type="hidden" name="period" value="custom" />
      <label>
        From
        <input type="date" name="from" value={formatDay(period.from)} required />
      </label>
      <label>
        To
        <input type="date" name="to" value={formatDay(period.to)} required />
      </label>
      <label>
        Bars by
        <select name="bucket">
          {(['day', 'week', 'month'] as const).map((bucket) => (
            <option value={bucket} selected={bucket === period.bucket}>
              {bucket}
            </option>
          ))}
        </select>
      </label>
      <label>
        Time zone
        <input name="tz" value={context.timeZone} list="time-zones" autocomplete="off" spellcheck={false} size={18} />
      </label>
      <datalist id="time-zones">
        {commonTimeZones.map((zone) => (
          <option value={zone} />
        ))}
      </datalist>
      <button type="submit" class="primary">
        Show
      </button>
    </form>
  </section>
);

/** A short list for the time-zone field's suggestions; any IANA name is accepted. */
const commonTimeZones = ['UTC', 'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];
