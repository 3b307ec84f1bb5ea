// Writes the demo shop as static files into dist/: one HTML page per route, plus shop.js and
// shop.css from public/.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { products } from './catalog.js';
import { cartPage, checkoutPage, helpPage, homePage, orderPage, productPage } from './pages.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');

const pages: Record<string, string> = {
  'index.html': homePage(),
  'cart/index.html': cartPage(),
  'checkout/index.html': checkoutPage(),
  'order/index.html': orderPage(),
  'help/index.html': helpPage(),
};
for (const product of products) pages[`products/${product.id}/index.html`] = productPage(product);

rmSync(out, { recursive: true, force: true });
for (const [path, html] of Object.entries(pages)) {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), html);
}
cpSync(join(root, 'public'), out, { recursive: true });
console.log(`demo shop: wrote ${Object.keys(pages).length} pages to ${out}`);
