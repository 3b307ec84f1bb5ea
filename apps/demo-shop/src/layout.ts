import { currency } from './catalog.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Formats a decimal price string as "£12.50". */
export function formatPrice(price: string): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(Number(price));
}

/**
 * Wraps a page's main content in the shop's layout: header with the cart link, the offer banner
 * that shop.js fills from getOffer(), and the two scripts. patron.js is loaded first and without
 * `defer`, so window.patron exists when shop.js runs.
 */
export function layout(title: string, page: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Hearth &amp; Home</title>
<link rel="stylesheet" href="/shop.css">
<link rel="icon" href="data:,">
</head>
<body data-page="${page}">
<header class="site-header">
  <a class="brand" href="/">Hearth &amp; Home</a>
  <nav aria-label="Shop"><a href="/">Products</a> <a href="/help/">Help</a> <a href="/cart/" id="cart-link">Basket (<span id="cart-count">0</span>)</a></nav>
</header>
<aside id="offer" class="offer" aria-live="polite" aria-labelledby="offer-title" hidden>
  <strong id="offer-title"></strong>
  <span id="offer-message"></span>
  <code id="offer-code"></code>
  <a id="offer-link" href="/">Take me there</a>
  <button id="offer-dismiss" class="offer-dismiss" type="button" aria-label="Dismiss this offer">×</button>
</aside>
<main>
${main}
</main>
<footer class="site-footer">A demo shop for Patron. Prices in pounds sterling. Nothing here is for sale.</footer>
<script src="/patron.js" data-site-key="demo-shop" data-currency="${currency}"></script>
<script src="/shop.js"></script>
</body>
</html>
`;
}
