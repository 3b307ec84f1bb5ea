import type { FC } from 'hono/jsx';
import { BarTable } from '../charts.js';
import type { Formatter } from '../format.js';
import type { FunnelStep } from '../queries/funnel.js';

/** The purchase funnel of the period, each step with the visitors who reached it or went further. */
export const FunnelCard: FC<{ format: Formatter; funnel: FunnelStep[] }> = ({ format, funnel }) => (
  <section class="card" aria-labelledby="funnel-title">
    <h2 id="funnel-title">From product view to purchase</h2>
    <p class="muted small" data-note="funnel">
      Each step counts the distinct visitors who reached it or a later step in the period, so someone who bought without a recorded checkout counts as having
      checked out, and no step can exceed the one before it. Imported orders have no visits, so they are not in the funnel.
    </p>
    <BarTable
      caption="Purchase funnel"
      headers={['Step', 'Visitors', 'Of previous step']}
      metric="funnel"
      rows={funnel.map((step, index) => {
        let ofPrevious = '';
        if (index > 0) {
          const before = funnel[index - 1]!.visitors;
          ofPrevious = before === 0 ? '—' : format.percent(step.visitors / before);
        }
        return { label: step.label, value: step.visitors, cells: [format.count(step.visitors), ofPrevious] };
      })}
    />
  </section>
);
