// Values from callers that fight back (issue 15): answers and options that
// throw while being read (getters, Proxy traps, revoked proxies), lengths
// of 2**32-1, getters that change the array being read; thousands of them
// in a row, then a normal check. Each must end as temperror (an answer) or
// an InvalidArgumentError (an option, an argument), leave no borrow or leak
// in the WebAssembly module, and say what was wrong. Also core's bounds on
// arguments and options, with core's messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  Analysis, Evaluation, InvalidArgumentError, NODATA, NXDOMAIN, ResolverError, SpfError, analyze, check, checkHost,
  dnsQuery,
} from 'spfkit';

const ZONE = {
  'TXT example.com': [['v=spf1 ip4:192.0.2.0/24 -all']],
};
const resolve = async (name, type) => ZONE[`${type} ${name}`] ?? NXDOMAIN;

async function stillWorks() {
  const o = await checkHost('192.0.2.7', 'a@example.com', 'h.example', { resolver: resolve });
  assert.equal(o.result, 'pass');
}

const boom = () => {
  throw new Error('boom');
};

/** Answers that throw, or are far too big, while read: each is TEMPERROR. */
function hostileAnswers() {
  const getterElement = ['v=spf1 -all'];
  Object.defineProperty(getterElement, 0, { get: boom });
  const getterLength = new Proxy([], { get: (t, k) => (k === 'length' ? boom() : t[k]) });
  const everyTrap = new Proxy(['v=spf1 -all'], { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom });
  const { proxy: revoked, revoke } = Proxy.revocable(['v=spf1 -all'], {});
  revoke();
  const { proxy: revokedPart, revoke: revokePart } = Proxy.revocable(['v=spf1 -all'], {});
  revokePart();
  const hugeProxy = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : 'v=spf1 -all') });
  const hugeSparse = [];
  hugeSparse.length = 2 ** 32 - 1;
  const hugePart = [];
  hugePart.length = 2 ** 32 - 1;
  const throwingPart = ['v=spf1 '];
  Object.defineProperty(throwingPart, 1, { get: boom, enumerable: true });
  const throwingExchange = [{ get exchange() { return boom(); }, priority: 10 }];
  const detached = new Uint8Array(16);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  return {
    'an element getter that throws': getterElement,
    'a Proxy whose length throws': getterLength,
    'a Proxy whose get, has and ownKeys traps throw': everyTrap,
    'a revoked Proxy': revoked,
    'a TXT record that is a revoked Proxy': [revokedPart],
    'a Proxy with length 2**32-1': hugeProxy,
    'an array with length 2**32-1': hugeSparse,
    'a TXT record with length 2**32-1': [hugePart],
    'a TXT string getter that throws': [throwingPart],
    'an MX exchange getter that throws': throwingExchange,
    'more records than a DNS message holds': new Array(6000).fill('v=spf1 -all'),
    'more TXT bytes than a DNS record holds': [['x'.repeat(70000)]],
    'more TXT bytes in all than a DNS message holds': new Array(5).fill(['x'.repeat(20000)]),
    'a detached Uint8Array': detached,
  };
}

test('answers that throw while read, or hold more than DNS can, are temperror (async API)', async () => {
  for (const [what, answer] of Object.entries(hostileAnswers())) {
    const started = performance.now();
    const resolver = (n, t) => (t === 'TXT' && n === 'example.com' ? answer : resolve(n, t));
    const o = await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver });
    assert.equal(o.result, 'temperror', what);
    const r = await analyze('example.com', { resolver });
    assert.deepEqual(r.warnings.map((w) => w.code), ['dns-error'], what);
    assert.ok(performance.now() - started < 2000, `${what}: took ${performance.now() - started} ms`);
    await stillWorks();
  }
});

test('answers that throw while read are temperror through the step classes too', () => {
  for (const [what, answer] of Object.entries(hostileAnswers())) {
    const ev = new Evaluation('192.0.2.7', 'a@example.com', 'h', { identity: 'mailfrom' });
    const [q] = ev.next();
    ev.answer(q, answer);
    assert.equal(ev.next(), null, what);
    assert.equal(ev.outcome().result, 'temperror', what);
    ev.free();
    const an = new Analysis('example.com');
    an.answer(an.next()[0], answer);
    assert.equal(an.next(), null, what);
    assert.deepEqual(an.report().warnings.map((w) => w.code), ['dns-error'], what);
    an.free();
  }
});

test('a getter that changes the array being read: the answer read once, no error', async () => {
  const answer = ['v=spf1 -all', 'x'];
  Object.defineProperty(answer, 0, {
    get() {
      answer.length = 0;
      for (let i = 0; i < 10000; i++) answer.push(['v=spf1 +all']);
      return 'v=spf1 ip4:192.0.2.7 -all';
    },
  });
  const o = await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: () => answer });
  // Read once at the length it had: the first record as the getter gave it,
  // then what index 1 held by then.
  assert.equal(o.result, 'permerror', o.reason ?? ''); // two SPF records
  await stillWorks();
});

test('thousands of hostile answers in a row, then a normal check passes', async () => {
  const kinds = Object.values(hostileAnswers());
  for (let i = 0; i < 3000; i++) {
    const answer = kinds[i % kinds.length];
    const o = await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: () => answer });
    assert.equal(o.result, 'temperror');
  }
  for (let i = 0; i < 1000; i++) {
    const ev = new Evaluation('192.0.2.7', 'a@example.com', 'h', { identity: 'mailfrom' });
    ev.answer(ev.next()[0], kinds[i % kinds.length]);
    ev.free();
  }
  await stillWorks();
  const pass = await check('192.0.2.7', 'a@example.com', 'h.example', { resolver: resolve });
  assert.equal(pass.result, 'pass');
  // No leak: a record read, then a throw. The module's memory (external to
  // V8's heap) must not grow with the number of such answers.
  const leaky = [['v=spf1 ' + 'x'.repeat(3000)], 'x'];
  Object.defineProperty(leaky, 1, { get: boom });
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      assert.equal((await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: () => leaky })).result, 'temperror');
    }
  };
  await run(300);
  const before = process.memoryUsage().external;
  await run(5000);
  const grown = process.memoryUsage().external - before;
  assert.ok(grown < 4 * 2 ** 20, `external memory grew by ${grown} bytes over 5,000 answers`);
});

test('a Proxy of a Uint8Array is no DNS message: ResolverError, and the next call works', async () => {
  const resolver = () => new Proxy(new Uint8Array(12), {});
  await assert.rejects(checkHost('192.0.2.7', 'a@example.com', 'h', { resolver }), ResolverError);
  await stillWorks();
});

test('options that throw while read are InvalidArgumentError, before the module sees them', async () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const { proxy: revokedLimits, revoke: revokeLimits } = Proxy.revocable({}, {});
  revokeLimits();
  const hugeDefinitive = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : 'fail') });
  const throwingDefinitive = ['fail'];
  Object.defineProperty(throwingDefinitive, 0, { get: boom });
  const options = [
    { resolver: resolve, get trace() { return boom(); } },
    { resolver: resolve, get limits() { return boom(); } },
    { resolver: resolve, limits: { get dnsTerms() { return boom(); } } },
    { resolver: resolve, limits: revokedLimits },
    { resolver: resolve, limits: new Proxy({}, { ownKeys: boom }) },
    { resolver: resolve, definitive: hugeDefinitive },
    { resolver: resolve, definitive: throwingDefinitive },
    new Proxy({ resolver: resolve }, { ownKeys: boom }),
    new Proxy({ resolver: resolve }, { get: boom }),
    new Proxy({ resolver: resolve }, { getOwnPropertyDescriptor: boom }),
    revoked,
  ];
  for (let i = 0; i < options.length; i++) {
    for (const call of [
      () => check('192.0.2.7', 'a@example.com', 'h', options[i]),
      () => checkHost('192.0.2.7', 'a@example.com', 'h', options[i]),
    ]) {
      await assert.rejects(call(), (e) => e instanceof InvalidArgumentError && !/boom/.test(e.message), `options ${i}`);
    }
    await stillWorks();
  }
  for (let i = 0; i < 2000; i++) {
    await assert.rejects(checkHost('192.0.2.7', 'a@example.com', 'h', options[i % options.length]), InvalidArgumentError);
  }
  assert.throws(() => new Evaluation('192.0.2.7', 'a@example.com', 'h', { get plan() { return boom(); } }), InvalidArgumentError);
  assert.throws(() => new Analysis('example.com', { get draft() { return boom(); } }), InvalidArgumentError);
  assert.throws(() => new Analysis('example.com', revoked), InvalidArgumentError);
  await assert.rejects(analyze('example.com', new Proxy({ resolver: resolve }, { ownKeys: boom })), InvalidArgumentError);
  // A query whose id getter throws, and arguments that are objects.
  const ev = new Evaluation('192.0.2.7', 'a@example.com', 'h');
  assert.throws(() => ev.answer({ get id() { return boom(); } }, NXDOMAIN), InvalidArgumentError);
  ev.free();
  const sly = { toString: boom, valueOf: boom };
  for (const args of [[sly, 'a@example.com', 'h'], ['192.0.2.7', sly, 'h'], ['192.0.2.7', 'a@example.com', sly]]) {
    await assert.rejects(checkHost(...args, { resolver: resolve }), InvalidArgumentError);
  }
  await assert.rejects(analyze(sly, { resolver: resolve }), InvalidArgumentError);
  await stillWorks();
});

test('core\'s bounds: ip, sender, helo and receiver at most 4096 bytes, with core\'s message', async () => {
  const long = 'x'.repeat(4097);
  const cases = [
    [() => checkHost(long, 'a@example.com', 'h', { resolver: resolve }), 'ip is longer than 4096 bytes'],
    [() => checkHost('192.0.2.7', `a@${long}`, 'h', { resolver: resolve }), 'sender is longer than 4096 bytes'],
    [() => checkHost('192.0.2.7', 'a@example.com', long, { resolver: resolve }), 'helo is longer than 4096 bytes'],
    // Bytes, not characters: 2,049 'é' are 4,098 bytes.
    [() => checkHost('192.0.2.7', 'a@example.com', 'é'.repeat(2049), { resolver: resolve }), 'helo is longer than 4096 bytes'],
    [() => checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: resolve, receiver: long }), 'receiver is longer than 4096 bytes'],
  ];
  for (const [call, message] of cases) {
    await assert.rejects(call(), (e) => e instanceof InvalidArgumentError && e.message === message, message);
    await stillWorks();
  }
  // The bound is core's Request::check_bounds(): on the sender without its
  // angle brackets, and 4,096 bytes are allowed.
  const at = `${'a'.repeat(4096 - '@example.com'.length)}@example.com`;
  assert.equal((await checkHost('192.0.2.7', `<${at}>`, 'h'.repeat(4096), { resolver: resolve })).result, 'pass');
});

test('core\'s bounds: maxNodes from 1 to AnalysisOptions::MAX_NODES, domains check_domain() refuses', async () => {
  for (const maxNodes of [0, 1001, 1.5, -1, '5', 2 ** 32 + 1]) {
    await assert.rejects(analyze('example.com', { resolver: resolve, maxNodes }), (e) =>
      e instanceof InvalidArgumentError && e.message === `maxNodes must be a whole number from 1 to 1000, not ${typeof maxNodes === 'string' ? `"${maxNodes}"` : maxNodes}`);
  }
  assert.equal((await analyze('example.com', { resolver: resolve, maxNodes: 1000 })).nodes.length, 1);
  assert.equal((await analyze('example.com', { resolver: resolve, maxNodes: 1 })).nodes.length, 1);
  // analyze('') and the like: core's check_domain() reason, not a report.
  const domains = [
    ['', 'the domain is empty'],
    ['.', 'the domain is empty'],
    ['localhost', 'the domain is not a multi-label domain name'],
    ['[192.0.2.1]', 'the domain is an address literal'],
    ['a..example', 'the domain is malformed (empty label, label over 63 bytes, or name over 253 bytes)'],
  ];
  for (const [domain, reason] of domains) {
    await assert.rejects(analyze(domain, { resolver: resolve }), (e) => e instanceof InvalidArgumentError && e.message === reason, domain);
    assert.throws(() => new Analysis(domain), (e) => e instanceof InvalidArgumentError && e.message === reason, domain);
  }
  await stillWorks();
});

const RESULTS = "'none', 'neutral', 'pass', 'fail', 'softfail', 'temperror' or 'permerror'";

test('option errors say which option must be what, and the value given (cut), never serde\'s text', async () => {
  const opts = (o) => ({ resolver: resolve, ...o });
  const cases = [
    [opts({ limits: { dnsTerms: -1 } }), 'limits.dnsTerms must be a whole number from 0 to 1000, not -1'],
    [opts({ limits: { voidLookups: 2.5 } }), 'limits.voidLookups must be a whole number from 0 to 1000, not 2.5'],
    // Within what a limit can be, core's Limits::check() says, naming the option as written.
    [opts({ limits: { mxNames: 1001 } }), 'limits.mxNames is at most 1000, not 1001'],
    [opts({ limits: { mxNames: 2 ** 32 } }), `limits.mxNames must be a whole number from 0 to 1000, not ${2 ** 32}`],
    [opts({ limits: { ptrNames: '10' } }), 'limits.ptrNames must be a whole number from 0 to 1000, not "10"'],
    [opts({ limits: 5 }), 'limits must be an object, not 5'],
    [opts({ limits: { dns_terms: 5 } }), 'unknown option "limits.dns_terms"; known: dnsTerms, mxNames, ptrNames, voidLookups'],
    [opts({ trace: 'yes' }), 'trace must be true or false, not "yes"'],
    [opts({ alwaysMailFrom: 1 }), 'alwaysMailFrom must be true or false, not 1'],
    [opts({ receiver: 12345 }), 'receiver must be a string, not 12345'],
    [opts({ defaultExplanation: ['x'] }), 'defaultExplanation must be a string, not an array'],
    [opts({ plan: 'eager' }), 'plan must be \'batched\' or \'sequential\', not "eager"'],
    // Words are core's to read: its text (cut after 60 characters).
    [opts({ identity: 'x'.repeat(1000) }), `identity must be 'helo' or 'mailfrom', not "${'x'.repeat(60)}"…`],
    [opts({ identity: 'both' }), 'identity must be \'helo\' or \'mailfrom\', not "both"'],
    [opts({ identity: 7 }), 'identity must be a string, not 7'],
    [opts({ timestamp: -1 }), 'timestamp must be a whole number from 0 to 9007199254740991, not -1'],
    [opts({ definitive: 'fail' }), 'definitive must be an array of SPF results, not "fail"'],
    [opts({ definitive: [7] }), 'definitive[0] must be a string, not 7'],
    [opts({ definitive: ['maybe'] }), `result must be ${RESULTS}, not "maybe"`],
    [opts({ timeout: -1 }), 'timeout must be a number of milliseconds above 0 and at most 2147483647, not -1'],
    [opts({ authservId: {} }), 'authservId must be a string, not an object'],
    [{ resolver: 'not a function' }, 'resolver must be an async function (name, type) => answer, not "not a function"'],
    ['options', 'options must be an object, not "options"'],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(checkHost('192.0.2.7', 'a@example.com', 'h', options), (e) => {
      assert.ok(e instanceof InvalidArgumentError && e instanceof SpfError);
      assert.equal(e.message, message);
      return true;
    });
  }
  const analysisCases = [
    [opts({ draft: 7 }), 'draft must be a string, not 7'],
    [opts({ ipv6Client: 'no' }), 'ipv6Client must be true or false, not "no"'],
    [opts({ limits: { dnsTerms: -1 } }), 'limits.dnsTerms must be a whole number from 0 to 1000, not -1'],
  ];
  for (const [options, message] of analysisCases) {
    await assert.rejects(analyze('example.com', options), (e) => e instanceof InvalidArgumentError && e.message === message, message);
  }
  await assert.rejects(checkHost(42, 'a@example.com', 'h', { resolver: resolve }), { message: 'ip must be a string, not 42' });
  await assert.rejects(checkHost('192.0.2.300', 'a@example.com', 'h', { resolver: resolve }), { message: '"192.0.2.300" is not an IP address' });
  await assert.rejects(checkHost('x'.repeat(300), 'a@example.com', 'h', { resolver: resolve }), { message: `"${'x'.repeat(40)}"… is not an IP address` });
  await stillWorks();
});

test('the step classes expire(): core\'s deadline rule, every outstanding and later query temperror', () => {
  const ev = new Evaluation('192.0.2.7', 'a@example.com', 'h.example');
  assert.equal(ev.next().length, 1);
  ev.expire();
  assert.equal(ev.next(), null);
  const o = ev.outcome();
  assert.deepEqual([o.result, o.heloOutcome.result, o.mailFromOutcome.result], ['temperror', 'temperror', 'temperror']);
  ev.free();
  const an = new Analysis('example.com');
  an.next();
  an.expire();
  assert.equal(an.next(), null);
  assert.deepEqual(an.report().warnings.map((w) => w.code), ['dns-error']);
  an.free();
});

test('a wrong shape is a ResolverError naming the value; a big real answer is no temperror', async () => {
  const answerOf = (answer) => (n, t) => (t === 'TXT' ? answer : NXDOMAIN);
  await assert.rejects(checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: answerOf([42]) }), (e) =>
    e instanceof ResolverError && e.message.endsWith(', not 42'));
  await assert.rejects(checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: answerOf('v'.repeat(1e6)) }), (e) =>
    e instanceof ResolverError && e.message.length < 200);
  await stillWorks();
  // 2,000 AAAA records of 39 characters: 78,000 characters, more than a
  // TXT record holds, but a real answer (56,000 bytes as a DNS message).
  const hex = (i) => i.toString(16).padStart(4, '0');
  const many = Array.from({ length: 2000 }, (_, i) => `2001:0db8:0000:0000:0000:0000:0000:${hex(i)}`);
  const resolver = (n, t) => (t === 'TXT' ? [['v=spf1 a -all']] : t === 'AAAA' ? many : NODATA);
  assert.equal((await checkHost('2001:db8::7cf', 'a@example.com', 'h', { resolver })).result, 'pass');
  assert.equal((await checkHost('2001:db8::7d0', 'a@example.com', 'h', { resolver })).result, 'fail');
});

test('invalid names give core\'s text (identity, plan, definitive, type), as every binding', async () => {
  const cases = [
    [{ identity: 'all' }, 'identity must be \'both\', \'mailfrom\' or \'helo\', not "all"'],
    [{ identity: 'HELO' }, 'identity must be \'both\', \'mailfrom\' or \'helo\', not "HELO"'],
    [{ plan: 'eager' }, 'plan must be \'batched\' or \'sequential\', not "eager"'],
    [{ plan: 'é'.repeat(100) }, `plan must be 'batched' or 'sequential', not "${'é'.repeat(60)}"…`],
    [{ definitive: ['pass', 'maybe'] }, `result must be ${RESULTS}, not "maybe"`],
    [{ definitive: [''] }, `result must be ${RESULTS}, not ""`],
  ];
  for (const [options, message] of cases) {
    // The step class and the async API alike.
    assert.throws(() => new Evaluation('192.0.2.7', 'a@example.com', 'h', options), (e) =>
      e instanceof InvalidArgumentError && e.message === message, message);
    await assert.rejects(check('192.0.2.7', 'a@example.com', 'h', { resolver: resolve, ...options }), (e) =>
      e instanceof InvalidArgumentError && e.message === message, message);
  }
  // Result names are read in any case, as core reads them.
  assert.equal((await check('192.0.2.7', 'a@example.com', 'h', { resolver: resolve, definitive: ['PASS'] })).result, 'pass');
  assert.throws(() => dnsQuery('a.example', 'SOA'), (e) =>
    e instanceof InvalidArgumentError && e.message === 'type must be \'A\', \'AAAA\', \'MX\', \'TXT\' or \'PTR\', not "SOA"');
  assert.throws(() => dnsQuery('a.example', 16), (e) => e instanceof InvalidArgumentError && e.message === 'type must be a string');
  await stillWorks();
});

test('limits over Limits::MAX name the option as written (camelCase), in core\'s words', async () => {
  for (const field of ['dnsTerms', 'mxNames', 'ptrNames', 'voidLookups']) {
    for (const value of [1001, 5000, 2 ** 32 - 1]) {
      const message = `limits.${field} is at most 1000, not ${value}`;
      const limits = { [field]: value };
      assert.throws(() => new Evaluation('192.0.2.7', 'a@example.com', 'h', { limits }), (e) =>
        e instanceof InvalidArgumentError && e.message === message, message);
      assert.throws(() => new Analysis('example.com', { limits }), (e) =>
        e instanceof InvalidArgumentError && e.message === message, message);
      await assert.rejects(checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: resolve, limits }), (e) =>
        e instanceof InvalidArgumentError && e.message === message, message);
      await assert.rejects(analyze('example.com', { resolver: resolve, limits }), (e) =>
        e instanceof InvalidArgumentError && e.message === message, message);
    }
  }
  // The first field over the bound, in core's order.
  assert.throws(() => new Evaluation('192.0.2.7', 'a@example.com', 'h', { limits: { voidLookups: 2000, mxNames: 3000 } }),
    { message: 'limits.mxNames is at most 1000, not 3000' });
  // 1000 itself is allowed.
  const limits = { dnsTerms: 1000, mxNames: 1000, ptrNames: 1000, voidLookups: 1000 };
  assert.equal((await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver: resolve, limits })).result, 'pass');
  assert.equal((await analyze('example.com', { resolver: resolve, limits })).limits.dnsTerms, 1000);
  await stillWorks();
});

test('TXT bytes are counted in UTF-8 by core\'s AnswerBuilder: 65,535 in all is an answer, one more is temperror', async () => {
  // 'é' is one UTF-16 unit but two UTF-8 bytes: the JS snapshot's count
  // of characters lets these through, and core's builder decides.
  const filler = 'é'.repeat(32762); // 65,524 bytes
  const cases = [
    [['v=spf1 -all', filler], 'fail'], // 11 + 65,524 = 65,535 bytes
    [['v=spf1 -all ', filler], 'temperror'], // 12 + 65,524 = 65,536
    // A record's strings joined, then the next record's.
    [[['v=spf1 -all', ' '], [filler.slice(1), 'x']], 'fail'], // 12 + 65,522 + 1 = 65,535
    [[['v=spf1 -all', ' '], [filler.slice(1), 'é']], 'temperror'], // 12 + 65,522 + 2 = 65,536
  ];
  for (const [answer, result] of cases) {
    const resolver = (n, t) => (t === 'TXT' ? answer : NXDOMAIN);
    assert.equal((await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver })).result, result);
    const ev = new Evaluation('192.0.2.7', 'a@example.com', 'h', { identity: 'mailfrom' });
    ev.answer(ev.next()[0], answer);
    assert.equal(ev.next(), null);
    assert.equal(ev.outcome().result, result);
    ev.free();
  }
  // Uint8Array strings count byte for byte.
  const bytes = [['v=spf1 -all'], [new Uint8Array(65524)]];
  const resolver = (n, t) => (t === 'TXT' ? bytes : NXDOMAIN);
  assert.equal((await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver })).result, 'fail');
  bytes.push([new Uint8Array(1)]);
  assert.equal((await checkHost('192.0.2.7', 'a@example.com', 'h', { resolver })).result, 'temperror');
  await stillWorks();
});
