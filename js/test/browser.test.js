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

import { REPO } from './suite_zone.js';
import { startServer } from './browser/server.js';
import { startNsd } from './nsd.js';

// The package as installed (node_modules/spfkit in the packed run).
const PACKAGE = dirname(fileURLToPath(import.meta.resolve('spfkit/package.json')));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const { chromium } = createRequire(join(REPO, 'js', 'package.json'))('playwright-core');

let nsd;
let server;
let browser;
const problems = [];

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

async function openTester(viewport) {
  const page = await browser.newPage({ viewport });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  const doh = `${server.origin}/dns-query`;
  await page.goto(`${server.origin}/page/?doh=${encodeURIComponent(doh)}`);
  await page.locator('#version').filter({ hasText: /\d/ }).waitFor();
  return page;
}

async function submitAndWait(page, field, done) {
  await page.getByLabel(field, { exact: true }).press('Enter');
  await page.locator('#status').filter({ hasText: done }).waitFor({ timeout: 20000 });
}

const text = (page, selector) => page.locator(selector).innerText();

test('record tester: tree, counts, warnings, networks, then a check', async () => {
  const page = await openTester({ width: 390, height: 844 });
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
  assert.equal(await text(page, '#warnings li[data-code="neutral-all"] mark'), '?all');
  assert.equal(await text(page, '#warnings li[data-code="ptr"] mark'), 'ptr');
  assert.match(await text(page, '#warnings li[data-code="no-record"]'), /gone\.tester\.example/);
  assert.equal(await text(page, '#tree > li > p mark'), 'ptr');

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
  await submitAndWait(page, 'Client IP address', 'Done: analysis and check.');
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
  await submitAndWait(page, 'Client IP address', 'Done: analysis and check.');
  assert.equal(await text(page, '#verdict .result'), 'permerror');
  assert.match(await text(page, '#check-facts'), /550 5\.7\.24/);
  await page.close();
});

test('record tester: a draft record with a syntax error is marked where it breaks', async () => {
  const page = await openTester({ width: 1024, height: 768 });
  await page.getByLabel('Domain', { exact: true }).fill('tester.example');
  const draft = page.getByLabel(/Record to try/);
  await draft.fill('v=spf1 ip4:192.0.2.0/33 -all');
  // In a textarea Enter is a newline: submit with the button, by keyboard.
  await page.getByRole('button', { name: 'Test' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#status').filter({ hasText: /^Done\.$/ }).waitFor({ timeout: 20000 });
  assert.match(await text(page, '#tree > li > .node-head'), /tester\.example\s*draft/);
  assert.equal(await text(page, '#warnings li[data-code="syntax-error"] mark'), '/33');
  assert.equal(await text(page, '[data-count="DNS-querying terms"]'), '0 of 10');
  // The address keeps the fields for sharing.
  assert.match(page.url(), /domain=tester\.example&draft=v%3Dspf1/);
  await page.close();
});

test('record tester: a bad client address is an error on screen, and the next run works', async () => {
  const page = await openTester({ width: 1024, height: 768 });
  await page.getByLabel('Domain', { exact: true }).fill('tester.example');
  await page.getByLabel('Client IP address').fill('not-an-ip');
  await page.getByLabel('Client IP address').press('Enter');
  await page.locator('#error').filter({ hasText: 'invalid-address' }).waitFor({ timeout: 20000 });
  await page.getByLabel('Client IP address').fill('192.0.2.25');
  await submitAndWait(page, 'Client IP address', 'Done: analysis and check.');
  assert.equal(await page.locator('#error').isHidden(), true);
  assert.equal(await text(page, '#verdict .result'), 'pass');
  await page.close();
});

test('RFC 7208 suite inside a Web Worker (module compiled, initSync)', async () => {
  const page = await openTester({ width: 800, height: 600 });
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
  assert.equal(result.ran, 203);
  assert.deepEqual(result.failed, []);
  await page.close();
});

test('the browser reported no errors', () => {
  assert.deepEqual(problems, []);
});
