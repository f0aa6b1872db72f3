// The package in a real browser: Debian's Chromium, headless, driven by
// playwright-core (js/'s devDependency). The record tester (/page/) is
// served from 127.0.0.1 with DNS over HTTPS relayed to NSD serving
// tests/dns/tester.zone and examples/zones/example.zone; the test types a
// domain, reads the tree, the counts and the warnings off the screen, runs
// a check, and keeps a phone-sized screenshot at target/js-tester-page.png.
// The RFC 7208 suite then runs inside a Web Worker.
//
// Needs /usr/bin/chromium (or CHROMIUM=path) and NSD; .ci/run installs both.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { REPO, recordCount } from './suite_zone.js';
import { startServer } from './browser/server.js';
import { startNsd } from './nsd.js';

// The package as installed (node_modules/spfkit in the packed run).
const PACKAGE = dirname(fileURLToPath(import.meta.resolve('spfkit/package.json')));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const { chromium } = createRequire(join(REPO, 'js', 'package.json'))('playwright-core');

let nsd;
let server;
let browser;
// Each test's own budget, so a hung page fails its test instead of the run.
const LIMIT = { timeout: 60000 };

before(async () => {
  nsd = await startNsd(REPO, [join(REPO, 'examples/zones/example.zone'), join(REPO, 'tests/dns/tester.zone')]);
  server = await startServer(
    { '/': PACKAGE, '/test/': import.meta.dirname, '/suite/': join(REPO, 'tests/rfc7208') },
    nsd.port,
  );
  // playwright gives every launch a fresh profile (--user-data-dir) of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await nsd?.stop();
});

/** Opens the tester on the test's DoH endpoint; `use(page)` runs, then the
 * page closes and must have logged no error, warning or failed request. */
async function withTester(viewport, use, query = '') {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  try {
    const doh = `${server.origin}/dns-query`;
    await page.goto(`${server.origin}/page/?doh=${encodeURIComponent(doh)}${query}`);
    await page.locator('#version').filter({ hasText: /\d/ }).waitFor();
    await use(page);
  } finally {
    await page.close();
  }
  assert.deepEqual(problems, []);
}

/** Submits with Enter in `field` and waits for the page's next run to end. */
async function submitAndWait(page, field, done) {
  const before = Number((await page.locator('#status').getAttribute('data-run')) || 0);
  await page.getByLabel(field, { exact: true }).press('Enter');
  // 'attached': an empty status (after an error) has no size to be visible.
  await page.locator(`#status[data-run="${before + 1}"]`).waitFor({ state: 'attached', timeout: 20000 });
  if (done) assert.match(await page.locator('#status').innerText(), done);
}

const text = (page, selector) => page.locator(selector).innerText();
/** A mark's shown text, without the words kept for screen readers. */
const marked = (page, selector) => page.locator(selector).evaluate((m) => m.firstChild.textContent);

test('record tester: tree, counts, warnings, networks, then a check', LIMIT, () => withTester({ width: 390, height: 844 }, async (page) => {
  await page.getByLabel('Domain', { exact: true }).fill('tester.example');
  const asked = server.queries.length;
  await submitAndWait(page, 'Domain', /^Done\.$/);
  assert.ok(server.queries.length > asked, 'the page asked the DoH endpoint');
  assert.ok(server.queries.slice(asked).every(([m, q]) => m === 'POST' && q[0] === 0 && q[1] === 0), 'POST, message id 0');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'results-title', 'focus moves to the results');

  // The tree: the provider's chain two deep under the domain, and the
  // include with no record beside it.
  const chain = '#tree > li[data-domain="tester.example"] > ul > li[data-domain="_spf.provider.example.net"] > ul > li[data-domain="_spf2.provider.example.net"]';
  assert.equal(await page.locator(chain).count(), 1);
  const gone = page.locator('#tree > li > ul > li[data-domain="gone.tester.example"]');
  assert.match(await gone.innerText(), /include:gone\.tester\.example → gone\.tester\.example[\s\S]*no SPF record/);
  assert.match(await page.locator('#tree > li > .node-head').innerText(), /tester\.example 6 DNS lookups, 1 void lookup/);
  assert.match(await page.locator('li[data-domain="_spf.provider.example.net"] > .node-head').innerText(), /1 DNS lookup$/);

  // Counts against RFC 7208 §4.6.4's limits.
  assert.equal(await text(page, '[data-count="DNS-querying terms"]'), '7 of 10');
  assert.equal(await text(page, '[data-count="Void lookups"]'), '1 of 2');

  // Warnings, with ptr marked in the record where it stands.
  assert.equal(await text(page, '#warnings-title'), 'Warnings (3)');
  assert.match(await text(page, '#warnings li[data-code="neutral-all"]'), /_spf2\.provider\.example\.net/);
  assert.equal(await marked(page, '#warnings li[data-code="neutral-all"] mark'), '?all');
  assert.equal(await marked(page, '#warnings li[data-code="ptr"] mark'), 'ptr');
  assert.match(await text(page, '#warnings li[data-code="ptr"] mark .visually-hidden'), /slow and unreliable/);
  assert.match(await text(page, '#warnings li[data-code="no-record"]'), /gone\.tester\.example/);
  assert.equal(await marked(page, '#tree > li > p mark'), 'ptr');

  // Networks, flattened, with totals.
  const networks = await page.locator('#networks tbody tr td:first-child').allInnerTexts();
  // a and mx resolved to their addresses; the provider's networks.
  assert.deepEqual(networks.sort(), ['192.0.2.25/32', '192.0.2.26/32', '198.51.100.0/25', '2001:db8:100::/48', '203.0.113.0/26']);
  assert.match(await text(page, '#network-totals'), /5 networks: 194 IPv4 addresses, 1,208,925,819,614,629,174,706,176 IPv6 addresses/);
  assert.equal(await text(page, '#client-dependent'), 'Not flattened, as what they allow depends on the client: ptr (tester.example).');

  // A check: HELO mail.tester.example has no record (none), so MAIL FROM
  // decides; the client is the MX host: pass.
  await page.getByLabel('Client IP address').fill('192.0.2.26');
  await page.getByLabel('MAIL FROM sender').fill('someone@tester.example');
  await page.getByLabel('HELO name').fill('mail.tester.example');
  await submitAndWait(page, 'Client IP address', /^Done: analysis and check\.$/);
  assert.equal(await text(page, '#verdict .result'), 'pass');
  const headers = await text(page, '#headers');
  assert.match(headers, /^Received-SPF: pass \(127\.0\.0\.1: domain of someone@tester\.example designates 192\.0\.2\.26 as permitted sender\)/);
  assert.match(headers, /Authentication-Results: 127\.0\.0\.1; spf=none smtp\.helo=mail\.tester\.example; spf=pass smtp\.mailfrom=someone@tester\.example/);
  const trace = await page.locator('#trace li').allInnerTexts();
  assert.ok(trace.includes('mx matches'), trace.join('\n'));
  assert.ok(trace.some((t) => t.startsWith('MAIL FROM someone@tester.example: pass')), trace.join('\n'));

  // Readable on a phone: nothing wider than the screen.
  const [scrollWidth, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scrollWidth <= width, `page is ${scrollWidth}px wide on a ${width}px screen`);
  mkdirSync(join(REPO, 'target'), { recursive: true });
  await page.screenshot({ path: join(REPO, 'target', 'js-tester-page.png'), fullPage: true });

  // A client outside every network reaches the include with no record.
  await page.getByLabel('Client IP address').fill('203.0.113.200');
  await submitAndWait(page, 'Client IP address', /^Done: analysis and check\.$/);
  assert.equal(await text(page, '#verdict .result'), 'permerror');
  assert.match(await text(page, '#check-facts'), /550 5\.7\.24/);

  // Without an address the check section goes away.
  await page.getByLabel('Client IP address').fill('');
  await submitAndWait(page, 'Domain', /^Done\.$/);
  assert.equal(await page.locator('#check').isHidden(), true);
}));

test('record tester: a draft record with a syntax error is marked where it breaks', LIMIT, () => withTester({ width: 1024, height: 768 }, async (page) => {
  await page.getByLabel('Domain', { exact: true }).fill('Tester.Example.');
  const draft = page.getByLabel(/Record to try/);
  await draft.fill('v=spf1 ip4:192.0.2.0/33 -all');
  // In a textarea Enter is a newline: submit with the button, by keyboard.
  await page.getByRole('button', { name: 'Test' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#status[data-run="1"]').waitFor({ state: 'attached', timeout: 20000 });
  assert.equal(await text(page, '#status'), 'Done.');
  assert.match(await text(page, '#tree > li > .node-head'), /Tester\.Example\s*draft/i);
  assert.equal(await marked(page, '#warnings li[data-code="syntax-error"] mark'), '/33');
  assert.equal(await text(page, '[data-count="DNS-querying terms"]'), '0 of 10');
  // The address keeps the fields for sharing.
  assert.match(page.url(), /domain=Tester\.Example\.&draft=v%3Dspf1/);
}));

test('record tester: the check uses the draft, asked in DNS form; hostile text stays text', LIMIT, () => withTester({ width: 1024, height: 768 }, async (page) => {
  // Published, 192.0.2.99 would fail (~all after no match); the draft lets it pass.
  await page.getByLabel('Domain', { exact: true }).fill('TESTER.example.');
  // An unknown modifier may hold markup (RFC 7208 §6: ignored).
  await page.getByLabel(/Record to try/).fill('v=spf1 a ip4:192.0.2.99 x=<img/src=x/onerror=alert(1)> -all');
  const before = server.queries.length;
  await page.getByLabel('Client IP address').fill('192.0.2.99');
  await page.getByLabel('MAIL FROM sender').fill('a@tester.example');
  await submitAndWait(page, 'Client IP address', /^Done: analysis and check\.$/);
  assert.equal(await text(page, '#verdict .result'), 'pass');
  assert.equal(await page.locator('img').count(), 0, 'no element made from the record');
  assert.match(await text(page, '#tree'), /x=<img\/src=x\/onerror=alert\(1\)>/);
  const methods = new Set(server.queries.slice(before).map(([m]) => m));
  assert.deepEqual([...methods], ['GET'], '?method=get asks with GET');
}, '&method=get'));

test('record tester: a bad client address is an error on screen, and the next run works', LIMIT, () => withTester({ width: 1024, height: 768 }, async (page) => {
  await page.getByLabel('Domain', { exact: true }).fill('tester.example');
  await page.getByLabel('Client IP address').fill('not-an-ip');
  await submitAndWait(page, 'Client IP address');
  assert.match(await text(page, '#error'), /^The check did not run: .*\(invalid-address\)$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'error', 'focus on the error');
  assert.equal(await page.getByLabel('Client IP address').getAttribute('aria-invalid'), 'true');
  // The analysis is on screen all the same.
  assert.equal(await text(page, '[data-count="DNS-querying terms"]'), '7 of 10');
  await page.getByLabel('Client IP address').fill('192.0.2.25');
  await submitAndWait(page, 'Client IP address', /^Done: analysis and check\.$/);
  assert.equal(await page.locator('#error').isHidden(), true);
  assert.equal(await text(page, '#verdict .result'), 'pass');
}));

test('record tester: a link with its own DNS endpoint does not run by itself', LIMIT, () => withTester({ width: 800, height: 600 }, async (page) => {
  const asked = server.queries.length;
  await page.waitForTimeout(300);
  assert.equal(await page.getByLabel('Domain', { exact: true }).inputValue(), 'tester.example');
  assert.equal(await page.locator('#results').isHidden(), true);
  assert.equal(server.queries.length, asked);
}, '&domain=tester.example'));

test('RFC 7208 suite inside a Web Worker (module compiled, initSync)', LIMIT, () => withTester({ width: 800, height: 600 }, async (page) => {
  const result = await page.evaluate(
    () => new Promise((resolve) => {
      const worker = new Worker('/test/browser/suite_worker.js', { type: 'module' });
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve({ error: e.message || 'worker failed to start' });
      worker.postMessage('run');
    }),
  );
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.inWorker, true);
  const browserVersion = browser.version();
  console.log(`RFC 7208 suite (JS, Web Worker in Chromium ${browserVersion}): ${result.ran} cases ran, ${result.ran - result.failed.length} passed`);
  recordCount('js/suite/web-worker', result.ran, result.ran - result.failed.length);
  assert.equal(result.ran, 203);
  assert.deepEqual(result.failed, []);
}));
