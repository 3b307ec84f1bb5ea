import { products, type Product } from './catalog.js';
import { escapeHtml, formatPrice, layout } from './layout.js';

/** Renders the attributes shop.js reads to describe a product to the tracker. */
function productData(product: Product): string {
  return [
    `data-id="${escapeHtml(product.id)}"`,
    `data-name="${escapeHtml(product.name)}"`,
    `data-category="${escapeHtml(product.category)}"`,
    `data-price="${escapeHtml(product.price)}"`,
  ].join(' ');
}

export function homePage(): string {
  const cards = products
    .map(
      (product) => `  <li class="card">
    <a href="/products/${product.id}/"><h2>${escapeHtml(product.name)}</h2></a>
    <p class="category">${escapeHtml(product.category)}</p>
    <p class="price">${formatPrice(product.price)}</p>
  </li>`,
    )
    .join('\n');
  return layout('Products', 'home', `<h1>Gifts for a warm home</h1>\n<ul class="products">\n${cards}\n</ul>`);
}

export function productPage(product: Product): string {
  return layout(
    product.name,
    'product',
    `<article class="product" ${productData(product)}>
  <p class="category"><a href="/">Products</a> › ${escapeHtml(product.category)}</p>
  <h1>${escapeHtml(product.name)}</h1>
  <p>${escapeHtml(product.description)}</p>
  <p class="price">${formatPrice(product.price)}</p>
  <form id="add-form">
    <label for="quantity">Quantity</label>
    <input id="quantity" name="quantity" type="number" min="1" max="20" value="1">
    <button id="add-to-cart" type="submit">Add to basket</button>
  </form>
  <p id="added" role="status" hidden>Added to your basket. <a href="/cart/">View basket</a></p>
</article>`,
  );
}

export function cartPage(): string {
  return layout(
    'Basket',
    'cart',
    `<h1>Your basket</h1>
<table class="cart">
  <thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Price</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
  <tbody id="cart-lines"></tbody>
</table>
<p id="cart-empty" hidden>Your basket is empty. <a href="/">Find something you like.</a></p>
<p class="total">Total: <span id="cart-total">£0.00</span></p>
<p><a id="checkout" class="button" href="/checkout/">Go to checkout</a></p>`,
  );
}

export function checkoutPage(): string {
  return layout(
    'Checkout',
    'checkout',
    `<h1>Checkout</h1>
<form id="checkout-form">
  <p><label for="name">Name</label> <input id="name" name="name" autocomplete="name" required></p>
  <p><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="email" required></p>
  <p>Total to pay: <span id="checkout-total">£0.00</span></p>
  <button id="place-order" type="submit">Place order</button>
</form>
<p id="checkout-empty" hidden>Your basket is empty. <a href="/">Back to the products.</a></p>`,
  );
}

export function orderPage(): string {
  return layout(
    'Order confirmed',
    'order',
    `<h1>Thank you for your order</h1>
<p>Order number <strong id="order-id"></strong>, total <strong id="order-total"></strong>.</p>
<ul id="order-lines"></ul>
<p id="order-missing" hidden>This order is not in this browser. <a href="/">Back to the shop.</a></p>`,
  );
}

/** Help topics of the single-page help centre, shown by shop.js without reloading the page. */
export const helpTopics: Record<string, string> = {
  delivery: 'We deliver across the United Kingdom in two to four working days.',
  returns: 'Return anything unused within 30 days for a full refund.',
  care: 'Wash enamel and bone china by hand in warm, soapy water.',
};

export function helpPage(): string {
  const links = Object.keys(helpTopics)
    .map((topic) => `<li><a href="/help/?topic=${topic}" data-topic="${topic}">${topic[0]!.toUpperCase()}${topic.slice(1)}</a></li>`)
    .join('');
  const topics = JSON.stringify(helpTopics).replace(/</g, '\\u003c');
  return layout(
    'Help',
    'help',
    `<h1>Help centre</h1>
<nav aria-label="Help topics"><ul>${links}</ul></nav>
<section id="help-topic" aria-live="polite"><p>Choose a topic.</p></section>
<script type="application/json" id="help-topics">${topics}</script>`,
  );
}
