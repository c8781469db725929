// What a merchant would have configured (`PAYTERM_CREDENTIALS`, spec/driver.md), section by
// section over the vendor's documented example, which `payterm serve` uses by default.
'use strict';

const { log } = require('./events');
const { isObject } = require('./values');

const DEFAULTS = {
  cloud: {
    basic: 'Basic YXRvbTphc2hmdWY0ZTVmYQ==',
    username: 'jan.novak@example.com',
    password: 'ABCDEFGHIJKL',
    tid: '999888',
  },
  app2app: { clientID: '223' },
  initiator: { store: 'testingstore' },
};

function load() {
  const creds = structuredClone(DEFAULTS);
  const given = process.env.PAYTERM_CREDENTIALS;
  if (!given) return creds;
  try {
    const parsed = JSON.parse(given);
    for (const key of Object.keys(DEFAULTS)) if (isObject(parsed?.[key])) creds[key] = parsed[key];
  } catch {
    log('pos', "PAYTERM_CREDENTIALS is not JSON; using the vendor's example");
  }
  return creds;
}

const CREDENTIALS = load();

module.exports = { CREDENTIALS };
