import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { type ArmReport, type OfferReport, reportOffers } from '../../offers/report.js';
import type { Comparison } from '../../offers/stats.js';
import { type DashboardEnv, pageContext } from '../context.js';
import type { Formatter } from '../format.js';
import { Layout, TableScroll } from '../layout.js';
import { sendPage } from '../render.js';

/**
 * GET /dashboard/offers: per offer and variant, exposures, conversions and revenue per visitor
 * against the offer's control group, and the whole programme against the holdout, from the same
 * report as GET /v1/admin/sites/:site/offers/report.
 */
export function offersPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site, offerCatalog } = c.var;
  const report = reportOffers(db, site, offerCatalog);
  const configs = new Map(offerCatalog.list(site.key).map((offer) => [offer.config.id, offer.config]));
  const { format } = context;
  const { programme } = report;

  return sendPage(
    c,
    <Layout context={context} title="Offers" active="offers">
      <h1>Offers</h1>
      <p class="lead">
        Whether showing each offer makes people buy more than showing nothing. An order counts for an offer when it is placed within{' '}
        {format.count(report.attributionDays)} days after the person saw it. People are counted once, across their devices.
      </p>
      <section class="card" aria-labelledby="programme-title">
        <h2 id="programme-title">All offers against the holdout</h2>
        <p class="muted small">
          The holdout ({format.percent(site.offerSettings.holdoutShare)} of visitors) never sees an offer. Everyone else is in the programme, whether an offer matched them or not.
        </p>
        <ArmTable
          caption="Programme and holdout"
          format={format}
          metric="programme"
          rows={[
            { name: 'In the programme', arm: programme.inProgramme },
            { name: 'Holdout', arm: programme.holdout },
          ]}
        />
        <Verdict comparison={programme.comparison} format={format} />
      </section>
      {report.offers.length === 0 ? (
        <section class="card">
          <p>This site has no offers yet. Offers are set in the configuration file or through the admin API; see the offers guide.</p>
        </section>
      ) : (
        report.offers.map((offer) => <OfferCard offer={offer} title={configs.get(offer.id)?.title} controlShare={configs.get(offer.id)?.controlShare ?? 0} format={format} />)
      )}
    </Layout>,
  );
}

interface ArmRow {
  name: string;
  arm: ArmReport & { clicks?: number; dismissals?: number };
}

const ArmTable: FC<{ caption: string; format: Formatter; rows: ArmRow[]; metric: string; withClicks?: boolean }> = ({ caption, format, rows, metric, withClicks = false }) => (
  <TableScroll label={caption}>
    <table data-table={metric}>
      <caption class="muted small">
        {caption}
        <span class="narrow-only">; {withClicks ? 'times shown, clicks, closes, buyers and revenue are' : 'buyers and revenue are'} left out on a narrow screen</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col" class="num">People</th>
          {withClicks ? (
            <>
              <th scope="col" class="num secondary">
                Times shown
              </th>
              <th scope="col" class="num secondary">
                Clicks
              </th>
              <th scope="col" class="num secondary">
                Closed
              </th>
            </>
          ) : null}
          <th scope="col" class="num secondary">
            Bought
          </th>
          <th scope="col" class="num">Conversion</th>
          <th scope="col" class="num secondary">
            Revenue
          </th>
          <th scope="col" class="num">Revenue per person</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ name, arm }) => (
          <tr data-group={name}>
            <th scope="row">{name}</th>
            <td class="num" data-field="visitors">
              {format.count(arm.visitors)}
            </td>
            {withClicks ? (
              <>
                <td class="num secondary" data-field="exposures">
                  {format.count(arm.exposures)}
                </td>
                <td class="num secondary">{arm.clicks === undefined ? '—' : format.count(arm.clicks)}</td>
                <td class="num secondary">{arm.dismissals === undefined ? '—' : format.count(arm.dismissals)}</td>
              </>
            ) : null}
            <td class="num secondary" data-field="conversions">
              {format.count(arm.conversions)}
            </td>
            <td class="num">{format.percent(arm.conversionRate)}</td>
            <td class="num secondary">{format.money(arm.revenue)}</td>
            <td class="num">{format.moneyAverage(arm.revenuePerVisitor)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableScroll>
);

/** Shows the comparison's plain-language verdict, then the estimate and its interval for those who want them. */
const Verdict: FC<{ comparison: Comparison; format: Formatter; name?: string }> = ({ comparison, format, name }) => {
  const [low, high] = comparison.absoluteInterval;
  const revenue = comparison.revenuePerVisitor;
  return (
    <div class="stack">
      <p class={`verdict ${comparison.verdict}`} data-verdict={comparison.verdict}>
        {name ? `${name}: ` : ''}
        {comparison.summary}
      </p>
      {comparison.verdict === 'not_enough_data' ? null : (
        <p class="muted small">
          Conversion {format.points(comparison.absoluteUplift)} (95% interval {format.points(low)} to {format.points(high)}); revenue per person{' '}
          {revenue.difference >= 0 ? '+' : '−'}
          {format.moneyAverage(Math.abs(revenue.difference))} (95% interval {format.moneyAverage(revenue.interval[0])} to {format.moneyAverage(revenue.interval[1])}).
          Chance that showing it is better: {format.percent(comparison.probabilityBetter)}.
        </p>
      )}
    </div>
  );
};

const emptyArm: ArmReport = { visitors: 0, exposures: 0, conversions: 0, revenue: 0, revenueSquares: 0, conversionRate: 0, revenuePerVisitor: 0 };

const OfferCard: FC<{ offer: OfferReport; title: string | undefined; controlShare: number; format: Formatter }> = ({ offer, title, controlShare, format }) => {
  const rows: ArmRow[] = offer.variants.map((variant) => ({ name: offer.variants.length === 1 ? 'Shown the offer' : `Variant ${variant.id}`, arm: variant }));
  // The report has no control figures until someone in the control group is recorded.
  if (offer.control || controlShare > 0) rows.push({ name: 'Control (shown nothing)', arm: offer.control ?? emptyArm });
  let measurement;
  if (offer.control) {
    measurement = offer.variants.map((variant) =>
      variant.comparison ? <Verdict comparison={variant.comparison} format={format} name={offer.variants.length === 1 ? undefined : `Variant ${variant.id}`} /> : null,
    );
  } else if (controlShare > 0) {
    measurement = (
      <p class="verdict not_enough_data" data-verdict="not_enough_data">
        Not enough data yet: nobody in the control group ({format.percent(controlShare)} of the people who match) has been recorded, so there is nothing to compare with.
      </p>
    );
  } else {
    measurement = <p>This offer has no control group, so its effect cannot be measured. Give it a controlShare to hold some people back.</p>;
  }
  return (
    <section class="card" aria-labelledby={`offer-${offer.id}`} data-offer={offer.id}>
      <h2 id={`offer-${offer.id}`}>
        {title ?? offer.id} <span class={`pill ${offer.status}`}>{offer.status}</span>
      </h2>
      <p class="muted small">
        Offer id {offer.id}, from the {offer.source === 'file' ? 'configuration file' : 'admin API'}.
      </p>
      <ArmTable caption={`Groups of ${title ?? offer.id}`} format={format} rows={rows} metric={`offer-${offer.id}`} withClicks />
      {measurement}
      {offer.couponOrdersWithoutExposure > 0 ? (
        <p class="muted small">
          {format.count(offer.couponOrdersWithoutExposure)} orders used this offer's code without anyone in them having seen the offer; they are not counted.
        </p>
      ) : null}
    </section>
  );
};
