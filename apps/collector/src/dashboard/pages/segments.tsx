import type { Context } from 'hono';
import { SegmentDefinitions } from './definitions.js';
import type { FC } from 'hono/jsx';
import { listSegments } from '../../value/queries.js';
import { segmentOf, segments } from '../../value/segments.js';
import { BarTable } from '../charts.js';
import { type DashboardEnv, type PageContext, pageContext } from '../context.js';
import { Layout, TableScroll } from '../layout.js';
import { dashboardUrl } from '../links.js';
import { type GridCell, type SegmentMove, readRfmGrid, readSegmentMoves } from '../queries/segments.js';
import { sendPage } from '../render.js';

const scores = [1, 2, 3, 4, 5] as const;
const recencyNotes: Record<number, string> = { 1: ' · longest ago', 5: ' · most recent' };
const frequencyNotes: Record<number, string> = { 1: ' · fewest', 5: ' · most orders' };

/** GET /dashboard/segments: the RFM grid as a heat map, revenue by segment, and moves between segments. */
export function segmentsPage(c: Context<DashboardEnv>) {
  const context = pageContext(c);
  const { db, site } = c.var;
  const { run, segments: summaries } = listSegments(db, site.key);
  const grid = readRfmGrid(db, site.key);
  const { moves, at: movedAt } = readSegmentMoves(db, site.key);
  const { format } = context;

  return sendPage(
    c,
    <Layout context={context} title="Segments" active="segments">
      <h1>Segments</h1>
      <p class="lead">
        Customers grouped by how recently (R) and how often (F) they ordered, each scored from 1 to 5 by quintile among your customers.
      </p>
      {run ? (
        <p data-metric="scoring-run">
          {run.status === 'scored'
            ? `${format.count(run.customers)} customers scored on ${format.dateTime(run.computedAt)}. Scores are recomputed every hour while the collector runs.`
            : `Not enough data yet: ${format.count(run.customers)} customers, and scores need at least ${format.count(run.minCustomers)} (minCustomersForScores). Checked on ${format.dateTime(run.computedAt)}.`}
        </p>
      ) : (
        <p class="notice">Customers have not been scored yet. The collector scores them when it starts, every hour, and after an import.</p>
      )}
      <HeatMap context={context} grid={grid} />
      <section class="card" aria-labelledby="share-title">
        <h2 id="share-title">Revenue by segment</h2>
        <BarTable
          caption="Customers and revenue per segment, from champions to hibernating"
          headers={['Segment', 'Customers', 'Revenue', 'Share of revenue']}
          metric="segments"
          secondary={[2]}
          rows={summaries.map((summary) => ({
            label: summary.segment,
            value: summary.revenue,
            href: dashboardUrl('/customers', { segment: summary.segment, tz: context.tzParam }),
            cells: [format.count(summary.customers), format.money(summary.revenue), format.percent(summary.revenueShare)],
          }))}
        />
      </section>
      <SegmentDefinitions />
      <MovesCard context={context} moves={moves} movedAt={movedAt} />
    </Layout>,
  );
}

/** Shade of a cell from 0 (no customers) to 5 (the fullest cell), as a class of the style sheet. */
const heatClass = (customers: number, max: number) => `heat-${customers === 0 || max === 0 ? 0 : 1 + Math.min(4, Math.floor((customers / max) * 5))}`;

const HeatMap: FC<{ context: PageContext; grid: GridCell[] }> = ({ context, grid }) => {
  const { format } = context;
  const cell = (r: number, f: number) => grid.find((entry) => entry.r === r && entry.f === f) ?? { r, f, customers: 0, revenue: 0 };
  const max = Math.max(0, ...grid.map((entry) => entry.customers));
  return (
    <section class="card" aria-labelledby="grid-title">
      <h2 id="grid-title">Recency and frequency</h2>
      <p class="muted small">
        Darker cells hold more customers. Each cell names its segment; top right are your best customers, bottom left those who have drifted away.
        <span class="narrow-only"> On a narrow screen the cells leave out revenue, which the table below has by segment.</span>
      </p>
      <TableScroll label="RFM grid">
        <table class="heat" data-table="rfm-grid">
          <caption>Customers and revenue by frequency (rows) and recency (columns)</caption>
          <thead>
            <tr>
              <td />
              {scores.map((r) => (
                <th scope="col">
                  R {r}
                  <span class="muted small">{recencyNotes[r] ?? ''}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...scores].reverse().map((f) => (
              <tr>
                <th scope="row">
                  F {f}
                  <span class="muted small">{frequencyNotes[f] ?? ''}</span>
                </th>
                {scores.map((r) => {
                  const entry = cell(r, f);
                  return (
                    <td class={heatClass(entry.customers, max)} data-r={r} data-f={f}>
                      <strong>{format.count(entry.customers)}</strong>
                      <span class="segment secondary">{format.money(entry.revenue)}</span>
                      <span class="segment">{segmentOf(r, f)}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
};

const MovesCard: FC<{ context: PageContext; moves: SegmentMove[]; movedAt: number | null }> = ({ context, moves, movedAt }) => {
  const { format } = context;
  const names: Array<string | null> = [...segments.map((segment) => segment.name as string), null];
  const present = names.filter((name) => moves.some((move) => move.from === name || move.to === name));
  const count = (from: string | null, to: string | null) => moves.find((move) => move.from === from && move.to === to)?.customers ?? 0;
  const moved = moves.filter((move) => move.from !== move.to).reduce((sum, move) => sum + move.customers, 0);
  const label = (name: string | null) => name ?? 'not scored';
  return (
    <section class="card" aria-labelledby="moves-title">
      <h2 id="moves-title">Latest moves between segments</h2>
      {movedAt === null ? (
        <p>No customer has changed segment yet. The collector compares every customer's segment with the previous one right after each hourly scoring.</p>
      ) : (
        <>
          <p data-metric="segment-moves">
            {format.count(moved)} {moved === 1 ? 'customer' : 'customers'} changed segment at the check of {format.dateTime(movedAt)}, the latest that found
            moves. The collector compares segments right after each hourly scoring.
          </p>
          <TableScroll label="Moves between segments">
            <table class="moves" data-table="segment-moves">
              <caption>Customers by segment before that check (rows) and after it (columns)</caption>
              <thead>
                <tr>
                  <th scope="col">Was ↓ / now →</th>
                  {present.map((name) => (
                    <th scope="col" class="num">
                      {label(name)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {present.map((from) => (
                  <tr>
                    <th scope="row">{label(from)}</th>
                    {present.map((to) => (
                      <td class={from === to ? 'num same' : 'num'}>{count(from, to) === 0 ? '' : format.count(count(from, to))}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </section>
  );
};
