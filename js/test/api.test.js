// The package's API beyond the suite: raw DNS messages, resolver failures
// and timeouts, hostile arguments (each followed by a call that works),
// record parsing with string indices, the analysis, headers, DNS over HTTPS.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';

import * as spfkit from 'spfkit';
import {
  Analysis, AnswerError, Evaluation, InvalidAddressError, InvalidArgumentError, NXDOMAIN, RecordSyntaxError, ResolverError,
  SpfError, TEMPERROR, analyze, check, checkHost, dnsQuery, dohResolver, parseRecord,
} from 'spfkit';

const ZONE = {
  'example.com/TXT': [['v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com']],
  '_spf.example.net/TXT': [['v=spf1 a:mail.example.net ~all']],
  'mail.example.net/A': ['198.51.100.7'],
  'why.example.com/TXT': [['%{i} may not send for %{d}']],
  'mx.example.org/TXT': [['v=spf1 mx -all']],
  'mx.example.org/MX': [{ exchange: 'mx1.example.org', priority: 10 }],
  'mx1.example.org/A': ['203.0.113.9'],
};
const resolve = async (name, type) => ZONE[`${name}/${type}`] ?? NXDOMAIN;

async function stillWorks() {
  const o = await checkHost('192.0.2.7', 'a@example.com', 'h.example', { resolver: resolve });
  assert.equal(o.result, 'pass');
}

test('the installed package is the one under test', () => {
  if (process.env.SPFKIT_PACKED) assert.match(import.meta.resolve('spfkit'), /node_modules\/spfkit\//);
  assert.match(spfkit.version(), /^\d+\.\d+\.\d+/);
});

test('outcomes: pass, fail with exp= and its SMTP reply, mx, headers', async () => {
  const pass = await check('198.51.100.7', 'a@example.com', 'h.example', { resolver: resolve, receiver: 'mx.receiver.example' });
  assert.equal(pass.result, 'pass');
  assert.equal(pass.decidedBy, 'mailfrom');
  assert.equal(pass.mechanism, 'include:_spf.example.net');
  assert.equal(pass.heloOutcome.result, 'none');
  assert.equal(pass.smtpReply, null);
  assert.match(pass.receivedSpf, /^Received-SPF: pass \(mx\.receiver\.example: /);
  assert.equal(
    pass.authenticationResults,
    'Authentication-Results: mx.receiver.example; spf=none smtp.helo=h.example; spf=pass smtp.mailfrom=a@example.com',
  );
  assert.deepEqual(JSON.parse(JSON.stringify(pass)), pass, 'plain, JSON-compatible');

  const fail = await checkHost('203.0.113.1', 'a@example.com', 'h.example', {
    resolver: resolve, trace: true, authservId: 'filter.example',
  });
  assert.equal(fail.result, 'fail');
  assert.equal(fail.explanation, '203.0.113.1 may not send for example.com');
  assert.deepEqual(
    { code: fail.smtpReply.code, enhanced: fail.smtpReply.enhanced },
    { code: 550, enhanced: '5.7.23' },
  );
  assert.match(fail.authenticationResults, /^Authentication-Results: filter\.example; spf=fail smtp\.mailfrom=a@example\.com$/);
  const terms = fail.mailFromOutcome.trace.filter((t) => t.kind === 'term').map((t) => t.term);
  for (const t of ['ip4:192.0.2.0/24', 'include:_spf.example.net', 'a:mail.example.net', '-all']) assert.ok(terms.includes(t), t);
  assert.equal(fail.mailFromOutcome.counters.dnsTerms, 2);

  const mx = await checkHost('203.0.113.9', 'b@mx.example.org', 'h', { resolver: resolve });
  assert.equal(mx.result, 'pass');
});

/** A DNS response to `query` with `rcode` and TXT/A answers. */
function response(query, rcode, answers = []) {
  const out = [...query];
  out[2] = 0x80 | (query[2] & 0x01);
  out[3] = 0x80 | rcode;
  out[7] = answers.length;
  for (const [type, rdata] of answers) {
    out.push(0xc0, 0x0c, 0, type, 0, 1, 0, 0, 0, 60, rdata.length >> 8, rdata.length & 0xff, ...rdata);
  }
  return new Uint8Array(out);
}
const txt = (s) => [s.length, ...new TextEncoder().encode(s)];

test('answers as DNS response messages', async () => {
  const messages = async (name, type) => {
    const q = dnsQuery(name, type);
    if (name === 'wire.example' && type === 'TXT') return response(q, 0, [[16, txt('v=spf1 a -all')]]);
    if (name === 'wire.example' && type === 'A') return response(q, 0, [[1, [192, 0, 2, 1]]]);
    if (name === 'servfail.example') return response(q, 2);
    if (name === 'garbage.example') return new Uint8Array([1, 2, 3]);
    return response(q, 3);
  };
  assert.equal((await checkHost('192.0.2.1', 'a@wire.example', 'h', { resolver: messages })).result, 'pass');
  assert.equal((await checkHost('192.0.2.2', 'a@wire.example', 'h', { resolver: messages })).result, 'fail');
  assert.equal((await checkHost('192.0.2.1', 'a@nx.example', 'h', { resolver: messages })).result, 'none');
  assert.equal((await checkHost('192.0.2.1', 'a@servfail.example', 'h', { resolver: messages })).result, 'temperror');
  assert.equal((await checkHost('192.0.2.1', 'a@garbage.example', 'h', { resolver: messages })).result, 'temperror');
  assert.throws(() => dnsQuery('a..b', 'TXT'), InvalidArgumentError);
  assert.throws(() => dnsQuery('a.example', 'SOA'), InvalidArgumentError);
});

test('resolver failures: throwing is temperror, wrong shapes are ResolverError, timeouts hold', async () => {
  const throws = async () => {
    throw new Error('network unreachable');
  };
  assert.equal((await checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: throws })).result, 'temperror');
  for (const bad of [null, undefined, 42, 'v=spf1 -all', { TXT: 1 }, [{}], [[1, 2]], new Array(5000).fill(42)]) {
    await assert.rejects(checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: async () => bad }), ResolverError);
    await stillWorks();
  }
  const wrongFamily = async (n, t) => (t === 'TXT' ? [['v=spf1 a -all']] : ['2001:db8::1']);
  await assert.rejects(checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: wrongFamily }), ResolverError);

  // A resolver that never answers: temperror once the timeout passes.
  const started = Date.now();
  const never = () => new Promise(() => {});
  const o = await checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: never, timeout: 200 });
  assert.equal(o.result, 'temperror');
  assert.ok(Date.now() - started < 5000);
  // Slow for the first query only: the queries after the deadline are
  // temperror without asking the resolver.
  const asked = [];
  const firstHangs = (n, t) => {
    asked.push(n);
    return asked.length === 1 ? new Promise(() => {}) : resolve(n, t);
  };
  const late = await check('192.0.2.7', 'a@example.com', 'h.example', { resolver: firstHangs, timeout: 200 });
  assert.equal(late.heloOutcome.result, 'temperror');
  assert.equal(late.mailFromOutcome.result, 'temperror');
  assert.deepEqual(asked, ['h.example']);
  await stillWorks();
});

test('hostile arguments give thrown errors, and the next call works', async () => {
  const cases = [
    [() => checkHost(42, 'a@example.com', 'h', { resolver: resolve }), InvalidArgumentError],
    [() => checkHost('192.0.2.300', 'a@example.com', 'h', { resolver: resolve }), InvalidAddressError],
    [() => checkHost('192.0.2.1', 'a@' + 'x'.repeat(10_000_000), 'h', { resolver: resolve }), InvalidArgumentError],
    [() => checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, bogus: 1 }), InvalidArgumentError],
    [() => checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, limits: { dns_terms: 5 } }), InvalidArgumentError],
    [() => checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, limits: { dnsTerms: 1e9 } }), InvalidArgumentError],
    [() => checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, identity: 'both' }), InvalidArgumentError],
    [() => checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: 'not a function' }), InvalidArgumentError],
    [() => checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, timeout: -1 }), InvalidArgumentError],
    [() => check('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, definitive: ['maybe'] }), InvalidArgumentError],
    [() => check('192.0.2.1', 'a@example.com', 'h', { resolver: resolve, timestamp: 1.5 }), InvalidArgumentError],
    [() => check('192.0.2.1', 'a@example.com', 'h', 'options'), InvalidArgumentError],
    [() => analyze({}, { resolver: resolve }), InvalidArgumentError],
  ];
  for (const [call, cls] of cases) {
    await assert.rejects(call(), (e) => e instanceof cls && e instanceof SpfError && e instanceof Error && typeof e.code === 'string');
    await stillWorks();
  }
  // NUL and lone surrogates are text like any other: no valid domain, none.
  assert.equal((await checkHost('192.0.2.1', 'a@exa\0mple.com', 'h', { resolver: resolve })).result, 'none');
  assert.equal((await checkHost('192.0.2.1', 'a@exa\ud800mple.com', 'h', { resolver: resolve })).result, 'none');
  await stillWorks();
});

test('the step API: queries, answers by id in any order, errors', () => {
  const ev = new Evaluation('192.0.2.7', 'a@example.com', 'h', { identity: 'mailfrom' });
  const [q] = ev.next();
  assert.deepEqual(q, { id: q.id, name: 'example.com', type: 'TXT' });
  assert.deepEqual(ev.next(), []);
  assert.equal(ev.outcome(), null);
  // Core keeps the queries it handed out, and says what is wrong.
  assert.throws(() => ev.answer(q.id + 99, NXDOMAIN),
    (e) => e instanceof AnswerError && e.message === `query ${q.id + 99}: no query with this id was handed out`);
  assert.throws(() => ev.answer('x', NXDOMAIN), InvalidArgumentError);
  ev.answer(q, ZONE['example.com/TXT']);
  assert.throws(() => ev.answer(q, NXDOMAIN),
    (e) => e instanceof AnswerError && e.message === `query ${q.id}: this query was answered already`);
  assert.throws(() => ev.answer(q, new Uint8Array(12)), AnswerError);
  assert.equal(ev.next(), null);
  assert.equal(ev.outcome().result, 'pass');
  ev.free();
  assert.throws(() => new Evaluation('192.0.2.7', 'a@example.com', 'h', { plan: 'eager' }), InvalidArgumentError);
});

test('records parse with spans as string indices; a non-ASCII record proves the conversion', () => {
  const record = 'v=spf1 ip4:192.0.2.0/24 -include:_spf.example.com ~all';
  const r = parseRecord(record);
  assert.equal(r.text, record);
  assert.deepEqual(r.terms.map((t) => [t.name, t.qualifier, record.slice(t.start, t.end)]), [
    ['ip4', null, 'ip4:192.0.2.0/24'], ['include', '-', '-include:_spf.example.com'], ['all', '~', '~all'],
  ]);
  const text = 'v=spf1 a:😀x.example -all';
  try {
    parseRecord(text);
    assert.fail('parsed');
  } catch (e) {
    assert.ok(e instanceof RecordSyntaxError && e instanceof SpfError);
    // The kind's code, as Rust's and Python's errors give it; no `kind`.
    assert.equal(e.code, 'invalid-character');
    assert.equal('kind' in e, false);
    assert.equal(e.term, 'a:😀x.example');
    assert.equal(e.start, text.indexOf('😀'));
    assert.equal(e.end, text.indexOf('😀') + 2);
    assert.deepEqual(e.span, [e.start, e.end]);
    assert.equal(text.slice(e.start, e.end), '😀');
    // The message gives the same indices, and says they are characters.
    assert.match(e.message, new RegExp(` \\(characters ${e.start}\\.\\.${e.end}\\)$`));
    assert.doesNotMatch(e.message, /bytes/);
  }
  const bad = 'v=spf1 ip4:192.0.2.0/33';
  assert.throws(() => parseRecord(bad), (e) => e.code === 'invalid-cidr' && bad.slice(e.start, e.end) === '/33');
  // 'é' is two bytes of UTF-8, one character: string indices, not bytes.
  const accented = 'v=spf1 ip4:192.0.2.1 a:é.example';
  assert.throws(() => parseRecord(accented), (e) =>
    e.code === 'invalid-character' && accented.slice(...e.span) === 'é' && e.end - e.start === 1
    && e.message.endsWith(`(characters ${e.start}..${e.end})`));
  assert.throws(() => parseRecord(7), InvalidArgumentError);
});

test('the analysis: tree, counts, networks, warnings with spans', async () => {
  const draft = 'v=spf1 ip4:192.0.2.0/24 include:_spf.example.net ptr +all';
  const report = await analyze('example.com', { resolver: resolve, draft });
  assert.equal(report.nodes.length, 2);
  assert.equal(report.nodes[0].source, 'draft');
  assert.equal(report.nodes[1].domain, '_spf.example.net');
  assert.equal(report.nodes[1].via, 'include');
  assert.equal(report.dnsTerms, 3);
  assert.equal(report.exceedsDnsTerms, false);
  assert.ok(report.networks.some((n) => n.network === '192.0.2.0/24'));
  assert.ok(report.networks.some((n) => n.network === '198.51.100.7/32'));
  const plusAll = report.warnings.find((w) => w.code === 'plus-all');
  assert.equal(draft.slice(plusAll.span.start, plusAll.span.end), '+all');
  assert.ok(report.warnings.some((w) => w.code === 'ptr'));
  assert.equal(typeof report.ipv6Addresses, 'string');
});

test('DNS over HTTPS: POST and GET against a local endpoint; HTTP errors and timeouts are temperror', async () => {
  const seen = [];
  const server = createServer(async (req, res) => {
    let body;
    if (req.method === 'POST') {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      body = new Uint8Array(Buffer.concat(chunks));
    } else {
      const dns = new URL(req.url, 'http://x').searchParams.get('dns');
      body = new Uint8Array(Buffer.from(dns, 'base64url'));
    }
    // The question: labels from byte 12, then the type.
    let i = 12;
    const labels = [];
    while (body[i]) {
      labels.push(Buffer.from(body.slice(i + 1, i + 1 + body[i])).toString());
      i += body[i] + 1;
    }
    const name = labels.join('.');
    const type = { 1: 'A', 16: 'TXT' }[body[i + 2]];
    seen.push([req.method, req.headers['content-type'] || null, name, type, body[0] | body[1]]);
    if (name === 'slow.example') return; // never answers
    if (name === 'broken.example') {
      res.writeHead(500).end();
      return;
    }
    const records = ZONE[`${name}/${type}`];
    const answers = !records ? [] : type === 'TXT'
      ? records.map((r) => [16, txt(r.join(''))])
      : records.map((a) => [1, a.split('.').map(Number)]);
    res.writeHead(200, { 'content-type': 'application/dns-message' });
    res.end(response(body, records ? 0 : 3, answers));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${server.address().port}/dns-query`;
  try {
    for (const method of ['POST', 'GET']) {
      const resolver = dohResolver({ endpoint, method });
      const o = await checkHost('198.51.100.7', 'a@example.com', 'h', { resolver });
      assert.equal(o.result, 'pass', method);
    }
    assert.ok(seen.some(([m, ct]) => m === 'POST' && ct === 'application/dns-message'));
    assert.ok(seen.some(([m, ct]) => m === 'GET' && ct === null));
    assert.ok(seen.every(([, , , , id]) => id === 0), 'message id 0 (RFC 8484 section 4.1)');
    const broken = await checkHost('192.0.2.1', 'a@broken.example', 'h', { resolver: dohResolver({ endpoint }) });
    assert.equal(broken.result, 'temperror');
    const slow = await checkHost('192.0.2.1', 'a@slow.example', 'h', { resolver: dohResolver({ endpoint, timeout: 200 }) });
    assert.equal(slow.result, 'temperror');
    const closed = await checkHost('192.0.2.1', 'a@example.com', 'h', {
      resolver: dohResolver({ endpoint: 'http://127.0.0.1:9/dns-query' }),
    });
    assert.equal(closed.result, 'temperror');
    assert.throws(() => dohResolver({}), InvalidArgumentError);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('TEMPERROR, NXDOMAIN and NODATA are the documented strings', () => {
  assert.deepEqual([spfkit.NXDOMAIN, spfkit.NODATA, TEMPERROR], ['NXDOMAIN', 'NODATA', 'TEMPERROR']);
});

test('internationalized domains are asked as A-labels, as the native builds ask them', async () => {
  // The identities themselves stay as given: %{h} expands to the HELO as
  // sent (a U-label, so the name cannot be asked and nothing matches) and
  // the headers show it, as natively.
  const zone = { 'TXT example.com': [['v=spf1 a:%{h}.x.example -all']] };
  const seen = [];
  const o = await checkHost('192.0.2.1', 'a@example.com', 'Bücher.example', {
    resolver: async (n, t) => {
      seen.push(`${t} ${n}`);
      return zone[`${t} ${n}`] ?? NXDOMAIN;
    },
  });
  assert.equal(o.result, 'fail');
  assert.deepEqual(seen, ['TXT example.com']);
  assert.match(o.receivedSpf, /helo="Bücher\.example"/);
  // [name, A-label form or null for invalid]: what spfkit's Rust core with
  // its idna feature gives (the Python binding, checked by hand); the npm
  // package converts with the platform's URL parser instead.
  const NAMES = [
    ['Bücher.example.', 'xn--bcher-kva.example'],
    ['faß.de', 'xn--fa-hia.de'],
    ['ＥＸＡＭＰＬＥ。com', 'example.com'],
    ['ÄÖÜ.example', 'xn--4ca0bs.example'],
    ['bücher.123', 'xn--bcher-kva.123'],
    ['-ü.example', 'xn----eha.example'],
    ['日本語。ＪＰ', 'xn--wgv71a119e.jp'],
    ['a\u200db.example', null],
    ['ü..example', null],
    ['\ud800.example', null],
    ['ü.example。', null],
  ];
  for (const [name, want] of NAMES) {
    const asked = [];
    const resolver = async (n, t) => {
      asked.push(`${t} ${n}`);
      return NXDOMAIN;
    };
    const o = await checkHost('192.0.2.1', `user@${name}`, 'h.example', { resolver });
    assert.deepEqual(asked, want === null ? [] : [`TXT ${want}`], name);
    assert.equal(o.result, 'none', name);
    if (want !== null) assert.equal(o.mailFromOutcome.domain, want, name);
    const helo = await checkHost('192.0.2.1', '', name, { resolver, identity: 'helo' });
    assert.equal(helo.heloOutcome.result, 'none', name);
    assert.deepEqual(asked.slice(1), want === null ? [] : [`TXT ${want}`], `${name} as HELO`);
    // An invalid domain is refused, with core's reason.
    if (want === null) {
      assert.throws(() => new Analysis(name), InvalidArgumentError, name);
      continue;
    }
    const a = new Analysis(name);
    assert.deepEqual(a.next().map((q) => q.name), [want], name);
    a.free();
  }
});

test('resolvers may answer synchronously, asynchronously or both; throwing either way is temperror', async () => {
  const records = {
    'TXT example.com': [['v=spf1 include:_spf.example.net mx -all']],
    'TXT _spf.example.net': [['v=spf1 ip4:198.51.100.0/24 -all']],
    'MX example.com': [{ exchange: 'mx.example.com', priority: 10 }],
    'A mx.example.com': ['192.0.2.10'],
  };
  const sync = (n, t) => records[`${t} ${n}`] ?? NXDOMAIN;
  const forms = {
    sync,
    async: async (n, t) => sync(n, t),
    mixed: (n, t) => (t === 'TXT' ? sync(n, t) : Promise.resolve(sync(n, t))),
  };
  for (const [form, resolver] of Object.entries(forms)) {
    for (const [ip, want] of [['198.51.100.7', 'pass'], ['192.0.2.10', 'pass'], ['192.0.2.99', 'fail']]) {
      const o = await checkHost(ip, 'a@example.com', 'h', { resolver });
      assert.equal(o.result, want, `${form} ${ip}`);
    }
  }
  const throwsNow = (n, t) => {
    if (t === 'MX') throw new Error('boom');
    return sync(n, t);
  };
  assert.equal((await checkHost('192.0.2.10', 'a@example.com', 'h', { resolver: throwsNow })).result, 'temperror');
  const rejects = (n, t) => (t === 'MX' ? Promise.reject(new Error('boom')) : sync(n, t));
  assert.equal((await checkHost('192.0.2.10', 'a@example.com', 'h', { resolver: rejects })).result, 'temperror');
  const badThen = (n, t) => (t === 'MX' ? { get then() { throw new Error('getter'); } } : sync(n, t));
  assert.equal((await checkHost('192.0.2.10', 'a@example.com', 'h', { resolver: badThen })).result, 'temperror');
  // A slow synchronous resolver: the deadline holds by the clock.
  const slow = (n, t) => {
    const until = performance.now() + 60;
    while (performance.now() < until);
    return sync(n, t);
  };
  const late = await checkHost('192.0.2.10', 'a@example.com', 'h', { resolver: slow, timeout: 100 });
  assert.equal(late.result, 'temperror');
});

test('checkDomain: the domain as check_host() looks it up, or why not', () => {
  assert.equal(spfkit.checkDomain('Example.COM.'), 'Example.COM');
  assert.equal(spfkit.checkDomain('Bücher.example'), 'xn--bcher-kva.example');
  for (const bad of ['localhost', 'a..example', 'ü%41.example', `${'a'.repeat(64)}.example`]) {
    assert.throws(() => spfkit.checkDomain(bad), InvalidArgumentError, bad);
  }
  assert.throws(() => spfkit.checkDomain(42), InvalidArgumentError);
  assert.throws(() => spfkit.checkDomain('a'.repeat(5000)), InvalidArgumentError);
});
