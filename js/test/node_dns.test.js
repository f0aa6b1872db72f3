// systemResolver(), Node's own DNS (c-ares), end to end against a real DNS
// server: NSD on 127.0.0.1 serving examples/zones/example.zone and
// tests/dns/e2e.zone, the cases python/tests/test_nsd.py checks.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { analyze, check, checkHost, systemResolver } from 'spfkit';

import { startNsd } from './nsd.js';
import { REPO } from './suite_zone.js';

let nsd;
before(async () => {
  nsd = await startNsd(REPO, [join(REPO, 'examples/zones/example.zone'), join(REPO, 'tests/dns/e2e.zone')]);
});
after(() => nsd?.stop());

const EXPLANATION = '192.0.2.99 may not send mail for example.com; see https://www.example.com/spf?s=alice%40example.com';
const CASES = [
  // [ip, sender, result, explanation]
  ['203.0.113.5', 'alice@example.com', 'pass', null], // two includes deep
  ['192.0.2.11', 'alice@example.com', 'pass', null], // an MX host
  ['192.0.2.99', 'alice@example.com', 'fail', EXPLANATION],
  ['192.0.2.1', 'a@void2.e2e.example', 'pass', null], // two void lookups are allowed
  ['192.0.2.1', 'a@void3.e2e.example', 'permerror', null], // a third is not
  ['192.0.2.1', 'a@refusing.e2e.example', 'temperror', null], // NSD refuses the include target
];

test('check() through systemResolver against NSD', async () => {
  const resolver = systemResolver({ servers: [`127.0.0.1:${nsd.port}`] });
  for (const [ip, sender, result, explanation] of CASES) {
    const o = await check(ip, sender, 'mail.example.org', { resolver });
    assert.deepEqual([o.result, o.explanation], [result, explanation], `${ip} ${sender}: ${o.reason}`);
  }
});

test('analyze() through systemResolver against NSD: the include chain and its networks', async () => {
  const report = await analyze('example.com', { resolver: systemResolver({ servers: [`127.0.0.1:${nsd.port}`] }) });
  assert.deepEqual(report.nodes.map((n) => n.domain), ['example.com', '_spf.provider.example.net', '_spf2.provider.example.net']);
  assert.equal(report.dnsTerms, 4); // mx, a:, include, include
  assert.ok(report.networks.some((n) => n.network === '192.0.2.10/32'), 'mx1 flattened');
  assert.ok(report.networks.some((n) => n.network === '2001:db8:100::/48'));
});

test('systemResolver: a server that never answers is temperror', async () => {
  const silent = createSocket('udp4'); // bound, never read
  await new Promise((r) => silent.bind(0, '127.0.0.1', r));
  try {
    const resolver = systemResolver({ servers: [`127.0.0.1:${silent.address().port}`], timeout: 200, tries: 1 });
    const started = performance.now();
    const o = await checkHost('192.0.2.1', 'a@example.com', 'h', { resolver });
    assert.equal(o.result, 'temperror');
    assert.ok(performance.now() - started >= 150, 'the resolver waited for the server first');
  } finally {
    silent.close();
  }
});
