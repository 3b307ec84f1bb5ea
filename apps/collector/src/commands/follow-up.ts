import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { audienceFilterSchema, audiencePages, toCsv } from '../audiences/export.js';
import { SettingsError } from '../config/settings.js';
import { listDeliveries, replayDeliveries, type DeliveryStatus } from '../webhooks/deliveries.js';
import { sendWebhook } from '../webhooks/dispatcher.js';
import { webhookEvents } from '../webhooks/schema.js';
import { openData } from './options.js';
import { formatTable } from './table.js';

export const webhooksHelp = `Usage: patron webhooks test <url> [--secret <key>] [--event <event>]
       patron webhooks list [--status pending|delivered|failed] [--limit 50] [--site <key>] [--db <path>] [--config <path>]
       patron webhooks replay <delivery id> | --failed [--site <key>] [--db <path>] [--config <path>]

test     sends a sample delivery, signed with --secret (or PATRON_WEBHOOK_SECRET), and shows the answer
list     lists the site's deliveries, newest first
replay   sends a delivery again, or every failed one; a running collector picks them up within a second
Events: ${webhookEvents.join(', ')}
`;

/** Runs `patron webhooks …`; returns the exit code. */
export async function webhooksCommand(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what === 'test') return testWebhook(rest);
  if (what === 'list') return listCommand(rest);
  if (what === 'replay') return replayCommand(rest);
  process.stderr.write(webhooksHelp);
  return what === '--help' || what === '-h' ? 0 : 2;
}

async function testWebhook(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { secret: { type: 'string' }, event: { type: 'string', default: 'cart.abandoned' } }, true);
  const url = positionals[0];
  if (!url || !/^https?:\/\//.test(url)) throw new SettingsError(`Give the URL to test, such as "patron webhooks test https://crm.example/hooks/patron"; received ${JSON.stringify(url ?? '')}`);
  const event = String(values.event);
  if (!(webhookEvents as readonly string[]).includes(event)) throw new SettingsError(`--event must be one of ${webhookEvents.join(', ')}; received "${event}"`);
  const secret = typeof values.secret === 'string' ? values.secret : process.env.PATRON_WEBHOOK_SECRET;
  if (!secret) throw new SettingsError('Pass the webhook secret with --secret or PATRON_WEBHOOK_SECRET, so the receiver can verify the signature');

  const id = randomUUID();
  const body = JSON.stringify({ id, event, occurredAt: new Date().toISOString(), site: 'test', test: true, customer: sampleCustomer, data: {} });
  const result = await sendWebhook(url, body, secret, { deliveryId: id, event, timeoutMs: 10_000 });
  const lines = [
    `POST ${url} (${event}, delivery ${id})`,
    result.status === undefined ? `  failed: ${result.error}` : `  answered ${result.status} in ${Math.round(result.durationMs)} ms`,
  ];
  if (result.responseBody) lines.push(`  body: ${result.responseBody}`);
  lines.push(result.ok ? '  The endpoint accepted the delivery.' : '  The endpoint did not accept the delivery; Patron would retry network errors, timeouts, 408, 429 and 5xx.');
  process.stdout.write(`${lines.join('\n')}\n`);
  return result.ok ? 0 : 1;
}

function listCommand(args: string[]): number {
  const { db, site, values } = openData(args, { status: { type: 'string' }, limit: { type: 'string', default: '50' } }, { readOnly: true });
  try {
    const status = values.status as string | undefined;
    if (status !== undefined && !['pending', 'delivered', 'failed'].includes(status)) throw new SettingsError(`--status must be pending, delivered or failed; received "${status}"`);
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new SettingsError(`--limit must be a whole number of at least 1; received "${values.limit}"`);
    const deliveries = listDeliveries(db, site.key, { status: status as DeliveryStatus | undefined, limit });
    const rows = deliveries.map((delivery) => [delivery.id, delivery.webhookId, delivery.event, delivery.status, String(delivery.attempts), delivery.lastError ?? String(delivery.lastStatus ?? ''), delivery.createdAt]);
    process.stdout.write(deliveries.length === 0 ? 'No deliveries.\n' : `${formatTable(['id', 'webhook', 'event', 'status', 'attempts', 'last answer', 'created'], rows)}\n`);
    return 0;
  } finally {
    db.$client.close();
  }
}

function replayCommand(args: string[]): number {
  const id = args[0] && !args[0].startsWith('--') ? args[0] : undefined;
  const { db, site, values } = openData(id ? args.slice(1) : args, { failed: { type: 'boolean' } }, { readOnly: true });
  try {
    if (!id && !values.failed) throw new SettingsError('Name the delivery to replay, or pass --failed to replay every failed one');
    const replayed = replayDeliveries(db, site.key, id);
    if (id && replayed === 0) throw new SettingsError(`No delivery "${id}" on site "${site.key}"; "patron webhooks list" shows them`);
    process.stdout.write(`Replayed ${replayed} ${replayed === 1 ? 'delivery' : 'deliveries'}; a running collector sends them within a second.\n`);
    return 0;
  } finally {
    db.$client.close();
  }
}

export const exportHelp = `Usage: patron export audience [--segment <name>] [--tier <name>] [--offer <id> [--group treatment|control]]
                              [--format csv|json] [--out <file>] [--site <key>] [--db <path>] [--config <path>]

Writes the customers of a segment, a tier or an offer's audience (every customer with an order
when no filter is given), most valuable first, as CSV or JSON, to --out or standard output.
Columns: customer_id, user_id, email, segment, tier, orders, revenue, last_order_at,
predicted_value, currency. Email is the "email" trait the shop sent with identify.
`;

/** Runs `patron export audience`; returns the exit code. */
export async function exportCommand(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what !== 'audience' || rest.includes('--help') || rest.includes('-h')) {
    const help = what === '--help' || what === '-h' || rest.includes('--help') || rest.includes('-h');
    (help ? process.stdout : process.stderr).write(exportHelp);
    return help ? 0 : 2;
  }
  const options = {
    segment: { type: 'string' },
    tier: { type: 'string' },
    offer: { type: 'string' },
    group: { type: 'string' },
    format: { type: 'string', default: 'csv' },
    out: { type: 'string' },
  } as const;
  const { db, site, values } = openData(rest, options, { readOnly: true });
  try {
    const format = String(values.format);
    if (format !== 'csv' && format !== 'json') throw new SettingsError(`--format must be csv or json; received "${format}"`);
    const filter = audienceFilterSchema.safeParse(Object.fromEntries(['segment', 'tier', 'offer', 'group'].flatMap((key) => (values[key] === undefined ? [] : [[key, values[key]]]))));
    if (!filter.success) {
      throw new SettingsError(filter.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
    }
    if (filter.data.offer && !db.$client.prepare('SELECT 1 FROM offer_events WHERE site_key = ? AND offer_id = ? LIMIT 1').get(site.key, filter.data.offer)) {
      process.stderr.write(`No exposures of offer "${filter.data.offer}" are recorded on site "${site.key}", so its audience is empty; check the offer id\n`);
    }
    const output = typeof values.out === 'string' ? createWriteStream(values.out) : process.stdout;
    // A reader that stops early, such as "| head", closes the pipe; that ends the export quietly.
    output.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(0);
    });
    const write = async (text: string) => {
      if (!output.write(text)) await once(output, 'drain');
    };
    let count = 0;
    if (format === 'json') await write('[');
    for (const page of audiencePages(db, site, filter.data)) {
      if (format === 'csv') await write(toCsv(page, count === 0));
      else await write(`${count === 0 ? '' : ','}\n${page.map((row) => JSON.stringify(row)).join(',\n')}`);
      count += page.length;
    }
    if (format === 'json') await write('\n]\n');
    else if (count === 0) await write(toCsv([], true));
    if (output !== process.stdout) {
      output.end();
      await once(output, 'finish');
      process.stderr.write(`Wrote ${count.toLocaleString('en')} customers to ${values.out}\n`);
    }
    return 0;
  } finally {
    db.$client.close();
  }
}

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options'], allowPositionals: boolean) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals }) as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
}

const sampleCustomer = {
  id: 'u:sample-customer',
  userId: 'sample-customer',
  email: 'customer@example.com',
  traits: { email: 'customer@example.com', firstName: 'Sam' },
  segment: 'at risk',
  tier: 'gold',
  orders: 4,
  revenue: 18_450,
  lastOrderAt: '2026-09-01T10:00:00.000Z',
  probabilityAlive: 0.42,
  predictedValue: 9_800,
  cart: { items: [{ id: 'sku-1', name: 'Teapot', quantity: 1, price: 2_400 }], quantity: 1, value: 2_400 },
  currency: 'GBP',
};
