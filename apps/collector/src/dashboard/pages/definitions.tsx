import type { FC } from 'hono/jsx';

/** What each RFM segment means for a shop owner, and whether the customers in it are slipping away. */
export const segmentMeanings: Array<{ segment: string; meaning: string; slipping: boolean }> = [
  { segment: 'champions', meaning: 'bought recently and often: your best customers', slipping: false },
  { segment: 'loyal', meaning: 'buy often, and not long ago', slipping: false },
  { segment: 'potential loyalists', meaning: 'recent customers with a few orders, who could become loyal', slipping: false },
  { segment: 'new', meaning: 'first order, very recently', slipping: false },
  { segment: 'promising', meaning: 'one recent order, worth a nudge', slipping: false },
  { segment: 'need attention', meaning: 'average recency and frequency, starting to drift', slipping: true },
  { segment: 'about to sleep', meaning: 'few orders, and not for a while', slipping: true },
  { segment: "can't lose", meaning: 'used to buy the most, but not for a long time: win them back first', slipping: true },
  { segment: 'at risk', meaning: 'bought often, but long ago', slipping: true },
  { segment: 'hibernating', meaning: 'few orders, long ago: likely gone', slipping: true },
];

/** A definition list of the segments, marking those slipping away, for the segments page. */
export const SegmentDefinitions: FC = () => (
  <section class="card" aria-labelledby="meanings-title">
    <h2 id="meanings-title">What the segments mean</h2>
    <p>Recency (R) is how long ago a customer last ordered; frequency (F) is how many orders they placed. Both are scored 1 to 5 against your other customers.</p>
    <dl class="definitions">
      {segmentMeanings.map(({ segment, meaning, slipping }) => (
        <>
          <dt>
            {segment}
            {slipping ? <span class="badge"> slipping away</span> : null}
          </dt>
          <dd>{meaning}</dd>
        </>
      ))}
    </dl>
  </section>
);

/** The value tiers in a sentence, for the customers page. */
export const TierDefinitions: FC = () => (
  <p class="lead">
    Tiers rank customers by value: platinum is the top 1%, gold the next 4%, silver the next 15% and bronze the rest, by predicted lifetime value when the
    value models fit your orders, else by revenue.
  </p>
);
