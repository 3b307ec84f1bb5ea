// The demo shop's behaviour: a basket kept in localStorage, checkout, and the calls to the
// Patron tracker (window.patron, set up by /patron.js) that a real shop would make.
(function () {
  'use strict';
  var patron = window.patron;
  var CART_KEY = 'demo-shop:cart';
  var ORDERS_KEY = 'demo-shop:orders';
  var money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });

  function read(key, fallback) {
    try {
      return JSON.parse(localStorage.getItem(key)) || fallback;
    } catch (error) {
      return fallback;
    }
  }
  function write(key, value) {
    localStorage.setItem(key, JSON.stringify(value));
  }
  // Prices are decimal strings in pounds; sums are done in pence to stay exact.
  function pence(price) {
    var parts = String(price).split('.');
    return Number(parts[0]) * 100 + Number((parts[1] || '0').padEnd(2, '0').slice(0, 2));
  }
  function pounds(totalPence) {
    return (totalPence / 100).toFixed(2);
  }
  function cartTotal(cart) {
    return cart.reduce(function (sum, line) { return sum + pence(line.price) * line.quantity; }, 0);
  }
  function showCount() {
    var count = read(CART_KEY, []).reduce(function (sum, line) { return sum + line.quantity; }, 0);
    document.getElementById('cart-count').textContent = String(count);
  }

  function productFrom(element) {
    var data = element.dataset;
    return { id: data.id, name: data.name, category: data.category, price: data.price };
  }

  // Shows the visitor's offer in the banner. getOffer() resolves to null when there is nothing to
  // show, and also when the collector is slow or unreachable. The banner fills in after the page
  // is shown, so nothing waits on it, and the shop allows 2 s instead of the default 300 ms. The
  // offer records a click when its link is followed and a dismissal when the banner is closed.
  function showOffer() {
    var banner = document.getElementById('offer');
    patron.getOffer({ placement: 'banner', timeout: 2000 }).then(function (offer) {
      banner.dataset.offerId = offer ? offer.id : '';
      banner.dataset.variant = offer ? offer.variant : '';
      banner.dataset.state = offer ? 'shown' : 'empty';
      if (!offer) return;
      document.getElementById('offer-title').textContent = offer.title;
      document.getElementById('offer-message').textContent = offer.message;
      document.getElementById('offer-code').textContent = offer.code ? 'Code: ' + offer.code : '';
      var link = document.getElementById('offer-link');
      link.hidden = !offer.link;
      if (offer.link) link.href = offer.link;
      link.addEventListener('click', offer.click);
      document.getElementById('offer-dismiss').addEventListener('click', function () {
        offer.dismiss();
        banner.hidden = true;
        banner.dataset.state = 'dismissed';
      });
      banner.hidden = false;
    });
  }

  var pages = {
    product: function () {
      var element = document.querySelector('.product');
      var product = productFrom(element);
      patron.viewItem(product);
      document.getElementById('add-form').addEventListener('submit', function (event) {
        event.preventDefault();
        var quantity = Math.max(1, Number(document.getElementById('quantity').value) || 1);
        var cart = read(CART_KEY, []);
        var line = cart.find(function (entry) { return entry.id === product.id; });
        if (line) line.quantity += quantity;
        else cart.push(Object.assign({}, product, { quantity: quantity }));
        write(CART_KEY, cart);
        patron.addToCart(product, quantity);
        document.getElementById('added').hidden = false;
        showCount();
      });
    },

    cart: function () {
      var body = document.getElementById('cart-lines');
      function render() {
        var cart = read(CART_KEY, []);
        body.textContent = '';
        cart.forEach(function (line) {
          var row = document.createElement('tr');
          row.innerHTML = '<td></td><td></td><td></td><td><button type="button">Remove</button></td>';
          row.children[0].textContent = line.name;
          row.children[1].textContent = String(line.quantity);
          row.children[2].textContent = money.format(pence(line.price) * line.quantity / 100);
          row.querySelector('button').setAttribute('aria-label', 'Remove ' + line.name);
          row.querySelector('button').addEventListener('click', function () {
            write(CART_KEY, read(CART_KEY, []).filter(function (entry) { return entry.id !== line.id; }));
            patron.removeFromCart(line, line.quantity);
            render();
            showCount();
          });
          body.appendChild(row);
        });
        document.getElementById('cart-empty').hidden = cart.length > 0;
        document.getElementById('checkout').hidden = cart.length === 0;
        document.getElementById('cart-total').textContent = money.format(cartTotal(cart) / 100);
      }
      render();
    },

    checkout: function () {
      var cart = read(CART_KEY, []);
      var form = document.getElementById('checkout-form');
      if (cart.length === 0) {
        form.hidden = true;
        document.getElementById('checkout-empty').hidden = false;
        return;
      }
      document.getElementById('checkout-total').textContent = money.format(cartTotal(cart) / 100);
      patron.beginCheckout(cart);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var email = document.getElementById('email').value.trim().toLowerCase();
        var id = 'HH-' + Date.now().toString(36).toUpperCase() + '-' + Math.random().toString(36).slice(2, 6).toUpperCase();
        var orders = read(ORDERS_KEY, {});
        orders[id] = { id: id, lines: cart, total: pounds(cartTotal(cart)) };
        write(ORDERS_KEY, orders);
        write(CART_KEY, []);
        patron.identify(email);
        location.href = '/order/?id=' + encodeURIComponent(id);
      });
    },

    // The help centre is a single-page app: topics change the URL with history.pushState, and the
    // tracker counts each as a page view.
    help: function () {
      var topics = JSON.parse(document.getElementById('help-topics').textContent);
      var section = document.getElementById('help-topic');
      function show() {
        var topic = new URLSearchParams(location.search).get('topic');
        section.textContent = topics[topic] || 'Choose a topic.';
        section.dataset.topic = topic || '';
      }
      document.querySelectorAll('[data-topic]').forEach(function (link) {
        link.addEventListener('click', function (event) {
          event.preventDefault();
          history.pushState(null, '', link.getAttribute('href'));
          show();
        });
      });
      window.addEventListener('popstate', show);
      show();
    },

    order: function () {
      var id = new URLSearchParams(location.search).get('id');
      var order = read(ORDERS_KEY, {})[id];
      if (!order) {
        document.getElementById('order-missing').hidden = false;
        return;
      }
      document.getElementById('order-id').textContent = order.id;
      document.getElementById('order-total').textContent = money.format(Number(order.total));
      order.lines.forEach(function (line) {
        var item = document.createElement('li');
        item.textContent = line.quantity + ' × ' + line.name;
        document.getElementById('order-lines').appendChild(item);
      });
      // Sent on every load of this page: the collector keeps one purchase per transaction id,
      // so a reload does not count the order twice.
      patron.purchase({ transactionId: order.id, value: order.total, currency: 'GBP', items: order.lines });
    },
  };

  showCount();
  if (!patron) {
    console.warn('demo shop: /patron.js did not load, so nothing is recorded');
    return;
  }
  var page = pages[document.body.dataset.page];
  if (page) page();
  showOffer();
})();
