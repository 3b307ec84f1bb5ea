// Helpers for the dashboard's route tests: signing in through the form, and reading figures and
// tables out of the HTML the pages render.
import { expect } from 'vitest';
import type { TestCollector } from '../test/harness.js';

export const ORIGIN = 'http://localhost';

/** Cookies of a response's Set-Cookie headers, name to value, for the next request. */
export function cookiesOf(response: Response): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const index = pair!.indexOf('=');
    cookies[pair!.slice(0, index)] = pair!.slice(index + 1);
  }
  return cookies;
}

export const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/** Opens the login form and returns its token and the cookie that must come back with it. */
export async function openLoginForm(collector: TestCollector): Promise<{ token: string; cookies: Record<string, string> }> {
  const response = await collector.app.request('/dashboard/login');
  expect(response.status).toBe(200);
  const token = /name="csrf" value="([^"]+)"/.exec(await response.text())?.[1];
  if (!token) throw new Error('the login form has no csrf field');
  return { token, cookies: cookiesOf(response) };
}

/** Posts the login form as a browser on the collector's own origin would. */
export async function postLogin(collector: TestCollector, fields: Record<string, string>, options: { cookies?: Record<string, string>; headers?: Record<string, string>; env?: unknown } = {}) {
  return collector.app.request(
    '/dashboard/login',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, Cookie: cookieHeader(options.cookies ?? {}), ...options.headers },
      body: new URLSearchParams(fields).toString(),
    },
    options.env,
  );
}

/** Signs in through the form and returns a function that GETs dashboard pages with the session. */
export async function signIn(collector: TestCollector, site: string, secret: string) {
  const form = await openLoginForm(collector);
  const response = await postLogin(collector, { csrf: form.token, site, secret }, { cookies: form.cookies });
  expect(response.status).toBe(303);
  const session = cookiesOf(response).patron_dashboard;
  if (!session) throw new Error(`signing in to ${site} set no session cookie`);
  const get = async (path: string, headers: Record<string, string> = {}) => collector.app.request(path, { headers: { Cookie: `patron_dashboard=${session}`, ...headers } });
  /** GETs a page, fails unless it is 200, and returns its HTML. */
  const page = async (path: string, headers: Record<string, string> = {}) => {
    const result = await get(path, headers);
    expect(result.status, `GET ${path}`).toBe(200);
    return result.text();
  };
  return { session, get, page };
}

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Returns the text of an HTML fragment: tags removed, entities decoded, white space collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => entities[entity]!)
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:])/g, '$1')
    .trim();
}

/** Returns the text directly inside the element with `data-metric="name"`, before any nested element. */
export function metricOf(html: string, name: string): string {
  const match = new RegExp(`data-metric="${name}"[^>]*>([^<]*)`).exec(html);
  if (!match) throw new Error(`the page has no data-metric="${name}"`);
  return textOf(match[1]!);
}

/** Returns the body rows of the table with `data-table="name"`, each as the texts of its cells. */
export function tableOf(html: string, name: string): string[][] {
  const start = html.indexOf(`data-table="${name}"`);
  if (start < 0) throw new Error(`the page has no data-table="${name}"`);
  const table = html.slice(start, html.indexOf('</table>', start));
  const body = table.slice(table.indexOf('<tbody>'));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

/** Returns the `data-id` of each body row of the table with `data-table="name"`, such as customers' profile ids. */
export function rowIdsOf(html: string, name: string): string[] {
  const start = html.indexOf(`data-table="${name}"`);
  if (start < 0) throw new Error(`the page has no data-table="${name}"`);
  const table = html.slice(start, html.indexOf('</table>', start));
  return [...table.slice(table.indexOf('<tbody>')).matchAll(/<tr[^>]*\bdata-id="([^"]*)"/g)].map((match) => textOf(match[1]!));
}
