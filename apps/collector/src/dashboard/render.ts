import type { Context } from 'hono';
import { html } from 'hono/html';
import type { JSX } from 'hono/jsx/jsx-runtime';

/**
 * Sends a page as HTML with its doctype. Pages show customers' data, so no cache may keep them,
 * and the Content-Security-Policy allows no scripts, no inline styles and no other origins.
 */
export function sendPage(c: Context, page: JSX.Element, status: 200 | 400 | 403 | 404 | 429 | 500 = 200) {
  c.header('Cache-Control', 'no-store');
  return c.html(html`<!doctype html>${page}`, status);
}
