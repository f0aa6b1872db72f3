// The receiver policy's API beyond the table (policy_cases.test.js): one
// SPF evaluation per message, recipients as bytes, the recipientRules
// callback (sync, promise, throw, rejection, junk, too slow), the step API,
// the timeout, the TypeScript unions against the table, and the module
// without the policy (pages and workers).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  InternalError, InvalidAddressError, InvalidArgumentError, NXDOMAIN, Policy, PolicyDecide, PolicyMessage,
  PolicySettingsError, RecipientRulesError, SpfError, TEMPERROR,
} from 'spfkit';

import { REPO } from './suite_zone.js';

const ZONE = {
  'example.com/TXT': [['v=spf1 a:mail.example.com -all']],
  'mail.example.com/A': ['192.0.2.1'],
  'forwarder.example/TXT': [['v=spf1 ip4:198.51.100.0/24 -all']],
};
const lookup = (name, type) => ZONE[`${name}/${type}`] ?? NXDOMAIN;
const resolver = async (name, type) => lookup(name, type);
const SETTINGS = { authserv_id: 'mx.example.net' };
const CONNECTION = { ip: '192.0.2.1', helo: 'mail.example.com', mailFrom: 'alice@example.com' };
const FAILING = { ...CONNECTION, ip: '198.51.100.9' };

test('one SPF evaluation per message; the first accepted recipient carries the headers', async () => {
  const message = new Policy(SETTINGS, { resolver }).message(CONNECTION);
  const first = await message.decide('a@example.net');
  assert.equal(first.action, 'accept-with-headers');
  assert.ok(first.queries > 0);
  assert.deepEqual(first.headers.map(([name]) => name), ['Received-SPF', 'Authentication-Results']);
  assert.deepEqual(first.results, { helo: 'none', mailFrom: 'pass', bestGuess: null });
  assert.equal(first.refuses, false);
  for (const r of ['b@example.net', '<c@example.org>']) {
    const d = await message.decide(r);
    assert.deepEqual([d.action, d.queries, d.headers], ['accept', 0, []], r);
  }
  // Concurrently: every decision finishes, exactly one carries the headers.
  const fresh = new Policy(SETTINGS, { resolver }).message(CONNECTION);
  const all = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((u) => fresh.decide(`${u}@example.net`)));
  assert.equal(all.filter((d) => d.action === 'accept-with-headers').length, 1);
  assert.equal(all.filter((d) => d.action === 'accept').length, 4);
});

test('recipients as strings or bytes: UTF-8 bytes decided, other bytes and non-addresses not checked', async () => {
  const message = new Policy(SETTINGS, { resolver }).message(FAILING);
  const utf8 = new TextEncoder().encode('<bob@example.net>');
  const d = await message.decide(utf8);
  assert.deepEqual([d.recipient, d.action, d.rule, d.refuses], ['bob@example.net', 'reject', 'mail-from-reject', true]);
  assert.deepEqual(d.reply, { code: 550, enhanced: '5.7.23', text: '198.51.100.9 is not one of example.com\'s designated mail servers' });
  assert.equal(d.reputationKey, 'example.com:FAIL');
  const notChecked = [
    new Uint8Array([0xff, 0xfe, 0x40, 0x65, 0x2e, 0x78]), // \xff\xfe@e.x
    'no-at-sign', '@example.net', 'user@', '', 'a\r\nX-Injected: 1@example.net',
    `${'a'.repeat(1 << 20)}@example.net`, new Uint8Array(1 << 20).fill(0x61),
  ];
  for (const r of notChecked) {
    const n = await message.decide(r);
    assert.deepEqual([n.action, n.rule, n.queries, n.recipient, n.reply], ['not-checked', 'bad-recipient', 0, '', null]);
    assert.equal(message.recipientAddress(r), null);
  }
  assert.equal(message.recipientAddress('<Bob+tag@Example.NET>'), 'Bob+tag@Example.NET');
  assert.equal(message.recipientAddress(utf8), 'bob@example.net');
  // A view onto part of a buffer: only its bytes.
  const buffer = new TextEncoder().encode('xxcarol@example.netyy');
  assert.equal(message.recipientAddress(buffer.subarray(2, 19)), 'carol@example.net');
  for (const r of [42, null, undefined, {}, ['a@b.example'], new Uint16Array(4), new ArrayBuffer(4)]) {
    await assert.rejects(message.decide(r), (e) => e instanceof InvalidArgumentError && /^recipient must be a string or a Uint8Array, not /.test(e.message));
    assert.throws(() => message.start(r), InvalidArgumentError);
  }
});

test('recipientRules: sync or promised overrides apply; null and undefined are none; asked only for addresses', async () => {
  const asked = [];
  const rules = {
    'carol@example.net': { never_reject_without_forwarders: true },
    'dave+lists@example.net': Promise.resolve({ forwarder: [{ name: 'fw', domain: 'forwarder.example' }] }),
    'erin@example.net': Promise.resolve(null),
    'frank@example.net': undefined,
  };
  const recipientRules = (rcpt) => {
    asked.push(rcpt);
    return rules[rcpt] ?? null;
  };
  const message = new Policy(SETTINGS, { resolver, recipientRules }).message(FAILING);
  assert.equal((await message.decide('bob@example.net')).action, 'reject');
  const carol = await message.decide('carol@example.net');
  assert.deepEqual([carol.action, carol.rule], ['accept-with-headers', 'never-reject']);
  const dave = await message.decide('<dave+lists@example.net>');
  assert.deepEqual([dave.action, dave.rule, dave.forwarder], ['accept', 'forwarder-domain', 'fw']);
  assert.equal(dave.queries, 1); // the forwarder's domain only
  for (const r of ['erin@example.net', 'frank@example.net']) assert.equal((await message.decide(r)).rule, 'mail-from-reject');
  await message.decide('not an address');
  await message.decide(new Uint8Array([0xff, 0x40, 0x78]));
  assert.deepEqual(asked, ['bob@example.net', 'carol@example.net', 'dave+lists@example.net', 'erin@example.net', 'frank@example.net']);
});

test('recipientRules that throws, rejects, gives junk or is too slow: RecipientRulesError, the message unharmed', async () => {
  const boom = new Error('database down');
  const never = new Promise(() => {});
  const behaviours = {
    'throws@example.net': () => { throw boom; },
    'rejects@example.net': () => Promise.reject(boom),
    'string@example.net': () => { throw 'a string'; }, // eslint-disable-line no-throw-literal
    'number@example.net': () => 42,
    'array@example.net': () => [{ log_only: true }],
    'typo@example.net': () => ({ log_ony: true }),
    'wrong@example.net': () => Promise.resolve({ log_only: 'yes' }),
    'settings@example.net': () => ({ authserv_id: 'x.example' }),
    'never@example.net': () => never,
    'then@example.net': () => ({ get then() { throw boom; } }),
    'thenable@example.net': () => ({ then(resolve, reject) { reject(boom); } }),
    'getter@example.net': () => ({ get log_only() { throw boom; } }),
  };
  const recipientRules = (rcpt) => (behaviours[rcpt] ?? (() => null))();
  const policy = new Policy(SETTINGS, { resolver, recipientRules, timeout: 200 });
  const message = policy.message(FAILING);
  const expected = {
    'throws@example.net': ['threw: Error: database down', boom, null],
    'rejects@example.net': ['rejected: Error: database down', boom, null],
    'string@example.net': ['threw: "a string"', 'a string', null],
    'number@example.net': ['gave overrides that are refused: recipientRules: (top level): must be a table, not an integer', null, '(top level)'],
    'array@example.net': ['gave overrides that are refused: recipientRules: (top level): must be a table, not a list', null, '(top level)'],
    'typo@example.net': ['gave overrides that are refused: recipientRules: log_ony: unknown key', null, 'log_ony'],
    'wrong@example.net': ['gave overrides that are refused: recipientRules: log_only: must be true or false, not a string', null, 'log_only'],
    'settings@example.net': ['gave overrides that are refused: recipientRules: authserv_id: unknown key', null, 'authserv_id'],
    'never@example.net': ['did not settle within 200 ms', undefined, null],
    'then@example.net': ['rejected: Error: database down', boom, null],
    'thenable@example.net': ['rejected: Error: database down', boom, null],
    'getter@example.net': [
      'gave overrides that are refused: recipientRules: log_only: must be true or false, not a value that could not be read (a getter or a proxy\'s trap threw)',
      null, 'log_only',
    ],
  };
  for (const [rcpt, [why, cause, key]] of Object.entries(expected)) {
    const started = performance.now();
    await assert.rejects(message.decide(rcpt), (e) => {
      assert.ok(e instanceof RecipientRulesError && e instanceof SpfError, `${rcpt}: ${e}`);
      assert.equal(e.code, 'recipient-rules');
      assert.equal(e.recipient, rcpt);
      assert.equal(e.message, `recipientRules(${JSON.stringify(rcpt)}) ${why}`);
      if (key !== null) {
        assert.ok(e.cause instanceof PolicySettingsError, rcpt);
        assert.deepEqual([e.cause.file, e.cause.key, e.cause.line], ['recipientRules', key, null]);
      } else {
        assert.equal(e.cause, cause, rcpt);
      }
      return true;
    });
    assert.ok(performance.now() - started < 2000, rcpt);
  }
  // Nothing was decided for them: the next recipient gets the headers.
  const ok = await message.decide('ok@example.net');
  assert.deepEqual([ok.action, ok.headers.length], ['reject', 0]);
  const relaxed = new Policy({ ...SETTINGS, never_reject_without_forwarders: true }, { resolver, recipientRules })
    .message(FAILING);
  await assert.rejects(relaxed.decide('throws@example.net'), RecipientRulesError);
  assert.equal((await relaxed.decide('ok@example.net')).action, 'accept-with-headers');
  // The address level: a prospective check is allowed here.
  const prospective = new Policy(SETTINGS, {
    resolver,
    recipientRules: () => ({ prospective: { forward_path: 'bob@elsewhere.example', outbound: ['203.0.113.5'] } }),
  }).message(CONNECTION);
  const p = await prospective.decide('bob@example.net');
  assert.deepEqual([p.action, p.rule, p.reply?.code], ['reject', 'prospective', 551]);
});

test('the step API: start() with the host\'s overrides, answers in any order, expire() defers on temperror', () => {
  const policy = new Policy({ ...SETTINGS, mail_from: { temperror: 'defer' }, helo: { check: false } });
  const message = policy.message(CONNECTION);
  // The host's overrides apply: a required iprev's PTR goes out with SPF's TXT.
  const required = message.start('bob@example.net', { iprev: 'require' });
  assert.deepEqual(required.next().map((q) => `${q.type} ${q.name}`), ['TXT example.com', 'PTR 1.2.0.192.in-addr.arpa']);
  required.free();
  const steps = message.start('bob@example.net');
  assert.ok(steps instanceof PolicyDecide);
  assert.equal(steps.decision(), null);
  assert.deepEqual(steps.next().map((q) => `${q.type} ${q.name}`), ['TXT example.com']);
  steps.expire();
  assert.equal(steps.next(), null);
  const d = steps.decision();
  assert.deepEqual([d.action, d.rule, d.reply.code, d.reply.enhanced, d.iprev], ['defer', 'mail-from-temperror', 451, '4.7.24', null]);
  assert.match(d.reply.text, /^SPF temporary error: /);
  steps.free();
  // A query answered twice, or unknown: AnswerError; a wrong shape: ResolverError.
  // The message keeps its checks, a temperror too: nothing more to ask.
  assert.equal(message.start('carol@example.net').next(), null);
  const again = policy.message(CONNECTION).start('carol@example.net', null);
  const [q] = again.next();
  again.answer(q, TEMPERROR);
  assert.throws(() => again.answer(q, NXDOMAIN), (e) => e.code === 'answer');
  assert.throws(() => again.answer(99999, NXDOMAIN), (e) => e.code === 'answer');
  again.free();
  assert.throws(() => message.start('bob@example.net', { log_only: 1 }), (e) =>
    e instanceof PolicySettingsError && e.message === 'overrides: log_only: must be true or false, not an integer');
  assert.throws(() => new PolicyMessage(), TypeError);
  assert.throws(() => new PolicyDecide(), TypeError);
  const later = policy.message(CONNECTION);
  policy.free();
  // A message outlives its policy's free().
  assert.deepEqual(later.start('dave@example.net').next().map((q) => q.type), ['TXT']);
  assert.throws(() => policy.message(CONNECTION), InternalError);
});

test('decide(): the timeout bounds the whole decision; a resolver that never answers is temperror', async () => {
  const silent = () => new Promise(() => {});
  const started = performance.now();
  const message = new Policy({ ...SETTINGS, mail_from: { temperror: 'defer' } }, { resolver: silent, timeout: 150 }).message(CONNECTION);
  const d = await message.decide('bob@example.net');
  // HELO's temperror is accepted (the default), MAIL FROM's defers.
  assert.deepEqual([d.action, d.rule, d.results.helo], ['defer', 'mail-from-temperror', 'temperror']);
  assert.ok(performance.now() - started < 2000);
  // The callback's wait counts: 100 of 150 ms spent there, DNS gets the rest.
  const slowRules = () => new Promise((resolve) => setTimeout(() => resolve(null), 100));
  const m2 = new Policy({ ...SETTINGS, helo: { check: false }, mail_from: { temperror: 'defer' } }, { resolver: silent, timeout: 150, recipientRules: slowRules }).message(CONNECTION);
  const t = performance.now();
  assert.equal((await m2.decide('bob@example.net')).rule, 'mail-from-temperror');
  const took = performance.now() - t;
  assert.ok(took >= 140 && took < 1000, `took ${took} ms`);
  // Without a resolver (the step API needs none), decide() says so.
  const { Policy: CorePolicy } = await import(new URL('../src/web.js', import.meta.resolve('spfkit')));
  const bare = new CorePolicy(SETTINGS).message(CONNECTION);
  await assert.rejects(bare.decide('bob@example.net'), (e) => e instanceof InvalidArgumentError && /needs a resolver/.test(e.message));
});

test('options, connections and answers: checked, with the package\'s errors', async () => {
  const cases = [
    [() => new Policy(SETTINGS, { resolver: 'dns' }), 'resolver must be an async function (name, type) => answer, not "dns"'],
    [() => new Policy(SETTINGS, { recipientRules: {} }), 'recipientRules must be a function (recipient) => overrides, null, or a Promise of either, not an object'],
    [() => new Policy(SETTINGS, { identity: 'helo' }), /^unknown option "identity"; known: resolver, timeout, plan, limits/],
    [() => new Policy(SETTINGS, { receiver: 'x' }), /^unknown option "receiver"/],
    [() => new Policy(SETTINGS, { timeout: 0 }), /^timeout must be a number of milliseconds/],
    [() => new Policy(SETTINGS, { limits: { dnsTerms: 5000 } }), 'limits.dnsTerms is at most 1000, not 5000'],
    [() => new Policy(SETTINGS, { plan: 'eager' }), 'plan must be \'batched\' or \'sequential\', not "eager"'],
    [() => new Policy(SETTINGS, { file: 'a\nb' }), /^file must be a name for errors/],
    [() => new Policy(SETTINGS, { file: '' }), /^file must be a name for errors/],
    [() => new Policy(SETTINGS, 'options'), 'options must be an object, not "options"'],
    [() => new Policy(SETTINGS).message(), 'connection must be an object { ip, helo, mailFrom }, not undefined'],
    [() => new Policy(SETTINGS).message({ ip: '192.0.2.1', helo: 'h' }), 'connection.mailFrom is required (the MAIL FROM address, "" for <>)'],
    [() => new Policy(SETTINGS).message({ helo: 'h', mailFrom: '' }), 'connection.ip is required (the client\'s address)'],
    [() => new Policy(SETTINGS).message({ ...CONNECTION, mail_from: 'x' }), /^unknown option "connection.mail_from"/],
    [() => new Policy(SETTINGS).message({ ...CONNECTION, authenticated: 'yes' }), 'connection.authenticated must be true or false, not "yes"'],
    [() => new Policy(SETTINGS).message({ ...CONNECTION, helo: 7 }), 'connection.helo must be a string, not 7'],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof InvalidArgumentError, `${e}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => new Policy(SETTINGS).message({ ...CONNECTION, ip: '192.0.2.300' }), (e) =>
    e instanceof InvalidAddressError && e.message === '"192.0.2.300" is not an IP address');
  // HELO and MAIL FROM longer than SMTP carries: core's bad-connection, in bytes.
  for (const connection of [{ ...CONNECTION, helo: 'x'.repeat(1 << 20) }, { ...CONNECTION, mailFrom: `a@${'é'.repeat(2049)}` }]) {
    const d = await new Policy(SETTINGS, { resolver }).message(connection).decide('bob@example.net');
    assert.deepEqual([d.action, d.rule, d.reply.code, d.reply.enhanced], ['reject', 'bad-connection', 550, '5.7.24']);
    assert.match(d.reply.text, /longer than 4096 bytes/);
  }
  // Authenticated clients are not checked (skip_authenticated's default).
  const auth = await new Policy(SETTINGS, { resolver }).message({ ...FAILING, authenticated: true }).decide('bob@example.net');
  assert.deepEqual([auth.action, auth.rule], ['not-checked', 'authenticated']);
  // Hostile answers are temperror, as for checks.
  const hostile = new Proxy([], { get: () => { throw new Error('boom'); } });
  const d = await new Policy({ ...SETTINGS, helo: { check: false } }, { resolver: () => hostile }).message(CONNECTION).decide('bob@example.net');
  assert.deepEqual([d.action, d.results.mailFrom], ['accept-with-headers', 'temperror']);
});

test('the TypeScript unions are the table\'s rules and actions, and the Decision has every field', async () => {
  const types = readFileSync(fileURLToPath(new URL('policy-types.d.ts', import.meta.resolve('spfkit'))), 'utf8');
  const union = (name) => {
    const m = new RegExp(`export type ${name} =([^;]*);`).exec(types);
    return new Set([...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]));
  };
  const table = JSON.parse(readFileSync(join(REPO, 'tests/policy/cases.json'), 'utf8'));
  const rules = new Set();
  const actions = new Set();
  for (const c of table.cases) {
    for (const r of c.recipients) {
      rules.add(r.expect.rule);
      actions.add(r.expect.action);
    }
  }
  assert.deepEqual([...union('PolicyRule')].sort(), [...rules].sort());
  assert.deepEqual([...union('PolicyAction')].sort(), [...actions].sort());
  const d = await new Policy(SETTINGS, { resolver }).message(CONNECTION).decide('bob@example.net');
  const declared = /export interface Decision \{([\s\S]*?)\n\}/.exec(types)[1];
  const fields = [...declared.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]);
  assert.deepEqual(Object.keys(d).sort(), fields.sort());
});

test('the module without the policy (pages, workers): checks work, Policy says to load the other', () => {
  const web = new URL('web.js', import.meta.resolve('spfkit')).href;
  const small = fileURLToPath(import.meta.resolve('spfkit/spfkit.wasm'));
  const full = fileURLToPath(import.meta.resolve('spfkit/spfkit-policy.wasm'));
  assert.ok(readFileSync(small).length < readFileSync(full).length);
  const script = `
    import { readFileSync } from 'node:fs';
    const spfkit = await import(${JSON.stringify(web)});
    spfkit.initSync(readFileSync(${JSON.stringify(small)}));
    const o = await spfkit.checkHost('192.0.2.1', 'a@example.com', 'h', { resolver: async () => [['v=spf1 ip4:192.0.2.0/24 -all']] });
    const out = [o.result];
    for (const f of [() => new spfkit.Policy({}), () => spfkit.initPolicy()]) {
      try { await f(); out.push('no error'); } catch (e) { out.push(e.name + ': ' + e.message); }
    }
    console.log(JSON.stringify(out));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual(out, [
    'pass',
    'InternalError: spfkit was loaded without the receiver policy: `await initPolicy()` instead of init()',
    'InternalError: spfkit was loaded without the receiver policy (init() came first): initPolicy() must come first',
  ]);
  // And the one with it, loaded by initPolicy() as a page would (here from bytes).
  const withPolicy = `
    import { readFileSync } from 'node:fs';
    const spfkit = await import(${JSON.stringify(web)});
    await spfkit.initPolicy(readFileSync(${JSON.stringify(full)}));
    const d = new spfkit.Policy({}).message({ ip: '192.0.2.1', helo: '', mailFrom: 'a@example.com' }).start('b@example.net').next();
    console.log(JSON.stringify(d.map((q) => q.type)));`;
  assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', withPolicy], { encoding: 'utf8' })), ['TXT']);
  assert.ok(InternalError.prototype instanceof SpfError);
});
