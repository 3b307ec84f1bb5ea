// Entry of patron.ga4.js: patron.js plus the bridge that records the GA4 ecommerce events the page
// already pushes to window.dataLayer.
import { bridgeDataLayer } from './datalayer.js';
import { startFromScriptTag } from './script-setup.js';

const tracker = startFromScriptTag();
if (tracker) bridgeDataLayer(tracker);
