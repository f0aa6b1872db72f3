// systemResolver() end to end against a real DNS server: NSD on 127.0.0.1
// serving examples/zones/example.zone and tests/dns/e2e.zone (the cases
// python/tests/test_nsd.py checks), and a zone written here with answers
// c-ares hid: 4,150 TXT records at one name (more than a DNS message over
// TCP holds, so NSD sets TC) and CNAME loops.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { InvalidArgumentError, analyze, check, checkHost, systemResolver } from 'spfkit';

import { startNsd } from './nsd.js';
import { REPO } from './suite_zone.js';

const MANY = 4150;
const BIG_ZONE = [
  '$ORIGIN big.example.',
  '$TTL 300',
  '@ IN SOA ns hostmaster 1 3600 600 86400 60',
  '@ IN NS ns',
  'ns IN A 192.0.2.53',
  // Distinct strings, or NSD would keep one of each.
  ...Array.from({ length: MANY }, (_, i) => `many IN TXT "${i}"`),
  'self IN CNAME self',
  'ping IN CNAME pong',
  'pong IN CNAME ping',
  'inc IN TXT "v=spf1 include:self.big.example -all"',
  '',
].join('\n');

let nsd;
let zones;
before(async () => {
  zones = mkdtempSync(join(tmpdir(), 'spfkit-zone-'));
  writeFileSync(join(zones, 'big.zone'), BIG_ZONE);
  nsd = await startNsd(REPO, [
    join(REPO, 'examples/zones/example.zone'), join(REPO, 'tests/dns/e2e.zone'), join(zones, 'big.zone'),
  ]);
});
after(async () => {
  await nsd?.stop();
  if (zones) rmSync(zones, { recursive: true, force: true });
});

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

test('systemResolver: 4,150 TXT records (truncated even over TCP) are temperror through check and analyze', async () => {
  const resolver = systemResolver({ servers: [`127.0.0.1:${nsd.port}`] });
  const o = await check('192.0.2.1', 'a@many.big.example', 'many.big.example', { resolver });
  assert.equal(o.result, 'temperror');
  assert.equal(o.heloOutcome.result, 'temperror');
  assert.equal(o.mailFromOutcome.result, 'temperror');
  const report = await analyze('many.big.example', { resolver });
  assert.deepEqual(report.warnings.map((w) => w.code), ['dns-error']);
  assert.equal(report.nodes[0].record, null);
  // What the resolver gives: the reply's bytes, TC set (over TCP: the core decodes that as temperror).
  const reply = await resolver('many.big.example', 'TXT');
  assert.ok(reply instanceof Uint8Array, 'a DNS message');
  assert.ok(reply[2] & 0x02, 'TC set');
});

test('systemResolver: CNAME loops (one name, and two) are temperror', async () => {
  const resolver = systemResolver({ servers: [`127.0.0.1:${nsd.port}`] });
  for (const name of ['self.big.example', 'ping.big.example']) {
    const o = await checkHost('192.0.2.1', `a@${name}`, 'h', { resolver });
    assert.equal(o.result, 'temperror', name);
    const report = await analyze(name, { resolver });
    assert.deepEqual(report.warnings.map((w) => w.code), ['dns-error'], name);
  }
  // Behind an include: temperror too (RFC 7208 section 5.2), not a missing record.
  const inc = await checkHost('192.0.2.1', 'a@inc.big.example', 'h', { resolver });
  assert.equal(inc.result, 'temperror');
});

test("systemResolver({ servers: ['127.0.0.1:PORT'] }), the README's form, and the other server forms", async () => {
  const resolver = systemResolver({ servers: [`127.0.0.1:${nsd.port}`] });
  assert.equal((await check('203.0.113.5', 'alice@example.com', 'h', { resolver })).result, 'pass');
  // A server that refuses (nothing listens on port 9 of ::1) first, then NSD: the next server answers.
  const both = systemResolver({ servers: ['[::1]:9', `127.0.0.1:${nsd.port}`], timeout: 500, tries: 1 });
  assert.equal((await check('203.0.113.5', 'alice@example.com', 'h', { resolver: both })).result, 'pass');
  for (const bad of ['ns.example', '127.0.0.1:99999', '[::1', ':53', 42]) {
    assert.throws(() => systemResolver({ servers: [bad] }), InvalidArgumentError, String(bad));
  }
  assert.throws(() => systemResolver({ timeout: -1 }), InvalidArgumentError);
  assert.throws(() => systemResolver({ tries: 0 }), InvalidArgumentError);
});

test('systemResolver: a truncated UDP reply is asked again over TCP; a reply with the wrong id is ignored', async () => {
  // A fake server: over UDP a reply with another id first, then the right
  // id with TC set; over TCP the full answer.
  const udp = createSocket('udp4');
  await new Promise((r) => udp.bind(0, '127.0.0.1', r));
  const port = udp.address().port;
  const answerTo = (q, flags, rdata) => {
    const out = Buffer.from(q);
    out[2] = 0x84 | (q[2] & 0x01) | flags;
    out[3] = 0;
    out[7] = rdata ? 1 : 0;
    if (!rdata) return out;
    return Buffer.concat([out, Buffer.from([0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, 0, rdata.length + 1, rdata.length]), Buffer.from(rdata)]);
  };
  udp.on('message', (q, from) => {
    const wrong = Buffer.from(q);
    wrong[0] ^= 0xff;
    udp.send(answerTo(wrong, 0, 'v=spf1 -all'), from.port, from.address);
    udp.send(answerTo(q, 0x02, null), from.port, from.address);
  });
  const tcp = createServer((s) => {
    s.once('data', (d) => {
      const reply = answerTo(d.subarray(2, 2 + d.readUInt16BE(0)), 0, 'v=spf1 +all');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(reply.length);
      s.end(Buffer.concat([len, reply]));
    });
  });
  await new Promise((r, j) => tcp.once('error', j).listen(port, '127.0.0.1', r));
  try {
    const resolver = systemResolver({ servers: [`127.0.0.1:${port}`], timeout: 2000, tries: 1 });
    const o = await checkHost('192.0.2.1', 'a@tcp.example', 'h', { resolver });
    assert.equal(o.result, 'pass', o.reason ?? '');
  } finally {
    udp.close();
    tcp.close();
  }
});
