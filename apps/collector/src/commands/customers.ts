import { fromMinorUnits } from '@patron/protocol';
import { resolveLayout } from '../import/layouts.js';
import { importOrders } from '../import/orders.js';
import { listCustomers, listSegments } from '../value/queries.js';
import { predictCustomerValue } from '../value/predict.js';
import { scoreCustomers } from '../value/score.js';
import { openData } from './options.js';
import { formatTable } from './table.js';
import { SettingsError } from '../config/settings.js';
import { segments, tiers } from '../value/segments.js';

export const importHelp = `Usage: patron import orders <file> [--layout online-retail|shopify] [--map field=Column ...]
                            [--site <key>] [--db <path>] [--config <path>]

Imports an order export (CSV, or CSV compressed with gzip) into the site's orders and customer
profiles, then scores the customers. Importing the same file again changes nothing.
`;

/** Runs `patron import orders FILE`; returns the exit code. */
export async function importCommand(args: string[]): Promise<number> {
  const [what, file, ...rest] = args;
  if (what !== 'orders' || !file || file.startsWith('--')) {
    process.stderr.write(importHelp);
    return what === '--help' ? 0 : 2;
  }
  const { db, site, values } = openData(rest, { layout: { type: 'string', default: 'online-retail' }, map: { type: 'string', multiple: true } });
  let layout;
  try {
    layout = resolveLayout(String(values.layout), (values.map as unknown as string[] | undefined) ?? []);
  } catch (error) {
    db.$client.close();
    throw new SettingsError((error as Error).message);
  }
  const started = Date.now();
  const report = await importOrders(db, site, file, layout, (lines) => process.stderr.write(`  ${lines.toLocaleString('en')} lines read\n`));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const scoringStarted = Date.now();
  const prediction = predictCustomerValue(db, site);
  const scoring = scoreCustomers(db, site);
  db.$client.close();
  const scoringSeconds = ((Date.now() - scoringStarted) / 1000).toFixed(1);
  const lines = [
    `Imported ${file} into ${site.key} in ${seconds} s:`,
    `  lines read         ${report.lines.toLocaleString('en')}`,
    `  orders imported    ${report.orders.toLocaleString('en')}`,
    `  refunds imported   ${report.refunds.toLocaleString('en')}`,
    `  customers          ${report.customers.toLocaleString('en')}`,
  ];
  const skipped = Object.entries(report.skipped).sort((a, b) => b[1] - a[1]);
  if (skipped.length > 0) lines.push('  lines skipped:', ...skipped.map(([reason, count]) => `    ${reason.padEnd(42)} ${count.toLocaleString('en')}`));
  lines.push(`Scored and predicted in ${scoringSeconds} s:`);
  lines.push(scoringLine(scoring.status, scoring.customers, scoring.minCustomers));
  lines.push(
    prediction.status === 'usable'
      ? 'Predicted lifetime values are stored on the profiles.'
      : `No lifetime-value predictions: ${prediction.findings.join(' ')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export const customersHelp = `Usage: patron customers top [--limit <n>] [--segment <name>] [--tier <name>]
       patron customers score
       patron customers predict
       patron segments
Each takes [--site <key>] [--db <path>] [--config <path>].

customers top   the most valuable customers, by revenue after refunds
customers score recompute RFM scores, segments and value tiers now
customers predict fit the lifetime-value models and store each customer's predictions
segments        the RFM segments with their customers and share of revenue
`;

/** Runs `patron customers top|score|predict`; returns the exit code. */
export function customersCommand(args: string[]): number {
  const [action, ...rest] = args;
  if (action === 'predict') {
    const { db, site } = openData(rest);
    const started = Date.now();
    const run = predictCustomerValue(db, site);
    db.$client.close();
    const lines = [
      `Fitted the lifetime-value models for ${site.key} in ${Date.now() - started} ms: ${run.customers.toLocaleString('en')} customers, ${run.repeatCustomers.toLocaleString('en')} with repeat orders.`,
    ];
    if (run.bgnbd) lines.push(`  purchases (BG/NBD): r ${run.bgnbd.r.toFixed(3)}, alpha ${run.bgnbd.alpha.toFixed(3)}, a ${run.bgnbd.a.toFixed(3)}, b ${run.bgnbd.b.toFixed(3)}`);
    if (run.gammaGamma) lines.push(`  spend (Gamma-Gamma): p ${run.gammaGamma.p.toFixed(3)}, q ${run.gammaGamma.q.toFixed(3)}, gamma ${run.gammaGamma.gamma.toFixed(3)}`);
    lines.push(
      run.status === 'usable'
        ? '  Predictions are stored on the profiles.'
        : `  The models do not fit this shop's data, so profiles keep RFM scores only:\n${run.findings.map((finding) => `  - ${finding}`).join('\n')}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  if (action === 'score') {
    const { db, site } = openData(rest);
    const result = scoreCustomers(db, site);
    db.$client.close();
    process.stdout.write(`${scoringLine(result.status, result.customers, result.minCustomers)}\n`);
    return 0;
  }
  if (action !== 'top' || rest.includes('--help')) {
    (action === '--help' || rest.includes('--help') ? process.stdout : process.stderr).write(customersHelp);
    return action === '--help' || rest.includes('--help') ? 0 : 2;
  }
  const { db, site, values } = openData(rest, { limit: { type: 'string', default: '20' }, segment: { type: 'string' }, tier: { type: 'string' } }, { readOnly: true });
  const limit = Number(values.limit);
  const names = { segment: segments.map((segment) => segment.name as string), tier: tiers.map((tier) => tier.name as string) };
  const problem =
    !/^\d+$/.test(String(values.limit)) || limit < 1
      ? `--limit must be a whole number of 1 or more, received "${values.limit}"`
      : (['segment', 'tier'] as const)
          .filter((option) => values[option] !== undefined && !names[option].includes(String(values[option])))
          .map((option) => `--${option} "${values[option]}" is not one of: ${names[option].join(', ')}`)[0];
  if (problem) {
    db.$client.close();
    throw new SettingsError(problem);
  }
  const customers = listCustomers(db, site.key, { limit, segment: values.segment as string | undefined, tier: values.tier as string | undefined });
  db.$client.close();

  const money = (minor: number) => `${fromMinorUnits(minor, site.currency)} ${site.currency}`;
  const day = (time: number | null) => (time === null ? '' : new Date(time).toISOString().slice(0, 10));
  process.stdout.write(
    formatTable(
      ['Customer', 'Segment', 'Tier', 'R F M', 'Orders', 'Revenue', 'Predicted 1 yr', 'Active', 'Last order'],
      customers.items.map((customer) => [
        customer.id,
        customer.segment ?? '',
        customer.tier ?? '',
        customer.rfm ? `${customer.rfm.r} ${customer.rfm.f} ${customer.rfm.m}` : '',
        String(customer.orders),
        money(customer.revenue),
        customer.predictedValue === null ? '' : money(customer.predictedValue),
        customer.probabilityAlive === null ? '' : `${Math.round(customer.probabilityAlive * 100)}%`,
        day(customer.lastOrderAt),
      ]),
      [false, false, false, false, true, true, true, true, false],
    ),
  );
  process.stdout.write(`${customers.total.toLocaleString('en')} customers in all.\n`);
  return 0;
}

/** Runs `patron segments`; returns the exit code. */
export function segmentsCommand(args: string[]): number {
  if (args.includes('--help')) {
    process.stdout.write(customersHelp);
    return 0;
  }
  const { db, site } = openData(args, {}, { readOnly: true });
  const { run, segments } = listSegments(db, site.key);
  db.$client.close();
  if (!run || run.status !== 'scored') {
    process.stdout.write(`${run ? scoringLine(run.status, run.customers, run.minCustomers) : 'Customers have not been scored yet; run `patron customers score`.'}\n`);
    return 0;
  }
  process.stdout.write(
    formatTable(
      ['Segment', 'Customers', 'Revenue', 'Share of revenue'],
      segments.map((segment) => [
        segment.segment,
        segment.customers.toLocaleString('en'),
        `${fromMinorUnits(segment.revenue, site.currency)} ${site.currency}`,
        `${(segment.revenueShare * 100).toFixed(1)}%`,
      ]),
      [false, true, true, true],
    ),
  );
  process.stdout.write(`Scored ${run.customers.toLocaleString('en')} customers on ${new Date(run.computedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.\n`);
  return 0;
}

function scoringLine(status: string, customers: number, minCustomers: number): string {
  return status === 'scored'
    ? `Scored ${customers.toLocaleString('en')} customers: RFM segments and value tiers are up to date.`
    : `Not enough data to score customers: ${customers} customers with orders, and RFM quintiles need at least ${minCustomers} (minCustomersForScores in the configuration).`;
}
