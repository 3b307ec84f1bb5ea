import type { Context } from 'hono';
import { ColumnChart } from '../charts.js';
import { type DashboardEnv, pageContext } from '../context.js';
import { Figure, Layout, TableScroll } from '../layout.js';
import { readAdmission, readDeliveries, readIngestion, readRejections } from '../queries/health.js';
import { sendPage } from '../render.js';
import { DAY_MS } from '../time.js';

const statuses = ['pending', 'delivered', 'failed'] as const;

const tierOrder = ['platinum', 'gold', 'silver', 'bronze'];

/** GET /dashboard/health: events received per minute, rejected events by reason, webhook deliveries, and load shed by tier. */
export async function healthPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site } = c.var;
  const { format } = context;
  const now = Date.now();
  const ingestion = readIngestion(db, site.key, now);
  const rejections = readRejections(db, site.key, now - 7 * DAY_MS);
  const deliveries = readDeliveries(db, site.key);
  const webhookIds = [...new Set([...site.webhooks.map((webhook) => webhook.id), ...deliveries.counts.map((row) => row.webhookId)])];
  const deliveryCount = (webhookId: string, status: string) => deliveries.counts.find((row) => row.webhookId === webhookId && row.status === status)?.deliveries ?? 0;
  const perMinute = ingestion.total / 60;
  const admission = await readAdmission(c.var.metrics);
  const tiers = [...new Set([...tierOrder, ...admission.map((row) => row.tier)])];
  const admissionCount = (tier: string, route: string, outcome: 'admitted' | 'shed') =>
    admission.find((row) => row.tier === tier && row.route === route)?.[outcome] ?? 0;
  const shedTotal = admission.reduce((sum, row) => sum + row.shed, 0);

  return sendPage(
    c,
    <Layout context={context} title="Health" active="health">
      <h1>Health</h1>
      <p class="lead">Whether events arrive, which ones the collector rejects, and whether webhooks reach their endpoints.</p>
      <dl class="figures" aria-label="Health figures">
        <Figure label="Events in the last hour" value={format.count(ingestion.total)} metric="events-last-hour" note={`${format.decimal(perMinute)} per minute on average`} />
        <Figure label="Rejected in the last 7 days" value={format.count(rejections.events)} metric="rejected-7-days" note={rejections.latest ? `latest ${format.dateTime(rejections.latest)}` : 'none'} />
        <Figure
          label="Webhook deliveries failed"
          value={format.count(deliveries.counts.filter((row) => row.status === 'failed').reduce((sum, row) => sum + row.deliveries, 0))}
          metric="deliveries-failed"
          note={`${format.count(deliveries.counts.filter((row) => row.status === 'pending').reduce((sum, row) => sum + row.deliveries, 0))} waiting`}
        />
        <Figure label="Requests shed under load" value={format.count(shedTotal)} metric="load-shed" note="since the collector started, all sites" />
      </dl>
      <section class="card" aria-labelledby="ingestion-title">
        <h2 id="ingestion-title">Events received per minute</h2>
        <ColumnChart
          title="Events received, last 60 minutes"
          total={`${format.count(ingestion.total)} events`}
          metric="ingestion"
          points={ingestion.minutes.map((minute) => ({ label: format.time(minute.at), value: minute.events }))}
          formatValue={(value) => format.count(value)}
          width={900}
          height={200}
        />
        <p class="muted small">Counted by the time the collector received each event, in {context.timeZone}. Rejected events are not included.</p>
      </section>
      <section class="card" aria-labelledby="rejected-title">
        <h2 id="rejected-title">Rejected events by reason, last 7 days</h2>
        {rejections.reasons.length === 0 ? (
          <p>No events were rejected in the last 7 days.</p>
        ) : (
          <TableScroll label="Rejected events by reason">
            <table data-table="rejections">
              <caption class="muted small">The 20 most frequent validation issues. An event with several issues counts under each.</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Problem</th>
                  <th scope="col" class="num">Events</th>
                </tr>
              </thead>
              <tbody>
                {rejections.reasons.map((reason) => (
                  <tr>
                    <th scope="row">
                      <code>{reason.path || '(event)'}</code>
                    </th>
                    <td class="wrap">{reason.message}</td>
                    <td class="num">{format.count(reason.events)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
      <section class="card" aria-labelledby="webhooks-title">
        <h2 id="webhooks-title">Webhook deliveries</h2>
        {webhookIds.length === 0 ? (
          <p>This site has no webhooks.</p>
        ) : (
          <TableScroll label="Webhook deliveries by status">
            <table data-table="deliveries">
              <caption class="muted small">Every delivery stored, by endpoint and status</caption>
              <thead>
                <tr>
                  <th scope="col">Webhook</th>
                  {statuses.map((status) => (
                    <th scope="col" class="num">
                      {status}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {webhookIds.map((webhookId) => (
                  <tr>
                    <th scope="row">{webhookId}</th>
                    {statuses.map((status) => (
                      <td class="num" data-status={status}>
                        {format.count(deliveryCount(webhookId, status))}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        {deliveries.errors.length === 0 ? null : (
          <>
            <h3>Latest errors</h3>
            <TableScroll label="Latest webhook errors">
              <table>
                <caption class="muted small">The 5 latest deliveries that met an error</caption>
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Webhook</th>
                    <th scope="col" class="secondary">
                      Moment
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num secondary">
                      Attempts
                    </th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {deliveries.errors.map((error) => (
                    <tr>
                      <td class="wrap-narrow">{format.dateTime(error.createdAt)}</td>
                      <th scope="row">{error.webhookId}</th>
                      <td class="secondary">{error.event}</td>
                      <td>{error.status}</td>
                      <td class="num secondary">{format.count(error.attempts)}</td>
                      <td class="wrap">{error.lastStatus ? `HTTP ${error.lastStatus}: ` : ''}{error.lastError}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="shed-title">
        <h2 id="shed-title">Load shed by tier</h2>
        <p class="muted small">
          When the collector is overloaded it serves the best customers' requests first and turns others away. These counts are for every site on this collector
          since it last started, by the tier of the visitor's pass.
        </p>
        <TableScroll label="Requests admitted and shed by tier">
          <table data-table="load-shed">
            <caption class="muted small">
              Event and offer requests admitted and shed<span class="narrow-only">; those admitted are left out on a narrow screen</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col" class="num secondary">
                  Events admitted
                </th>
                <th scope="col" class="num">Events shed</th>
                <th scope="col" class="num secondary">
                  Offers admitted
                </th>
                <th scope="col" class="num">Offers shed</th>
              </tr>
            </thead>
            <tbody>
              {tiers.map((tier) => (
                <tr>
                  <th scope="row">{tier}</th>
                  <td class="num secondary">{format.count(admissionCount(tier, 'events', 'admitted'))}</td>
                  <td class="num">{format.count(admissionCount(tier, 'events', 'shed'))}</td>
                  <td class="num secondary">{format.count(admissionCount(tier, 'offer', 'admitted'))}</td>
                  <td class="num">{format.count(admissionCount(tier, 'offer', 'shed'))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </Layout>,
  );
}
