// Settings, overrides and arguments that fight back, given to the receiver
// policy: getters and proxy traps that throw, revoked proxies, values of
// the wrong type, huge strings, lists and tables, cycles, deep nesting,
// `__proto__` keys. Each must end as a PolicySettingsError naming its key
// (settings), a RecipientRulesError (a callback's overrides) or an
// InvalidArgumentError (options, connections), in bounded time, with
// nothing left behind in the module: a normal decision works afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { InvalidArgumentError, NXDOMAIN, Policy, PolicySettingsError, RecipientRulesError } from 'spfkit';

const ZONE = { 'example.com/TXT': [['v=spf1 ip4:192.0.2.0/24 -all']] };
const resolver = async (name, type) => ZONE[`${name}/${type}`] ?? NXDOMAIN;
const CONNECTION = { ip: '192.0.2.7', helo: 'h.example', mailFrom: 'a@example.com' };
const boom = () => {
  throw new Error('boom');
};
const UNREADABLE = 'a value that could not be read (a getter or a proxy\'s trap threw)';

async function stillWorks() {
  const d = await new Policy({ authserv_id: 'mx.example.net' }, { resolver }).message(CONNECTION).decide('b@example.net');
  assert.deepEqual([d.action, d.results.mailFrom], ['accept-with-headers', 'pass']);
}

/** Refused with `key` and `reason` (a string, or a RegExp for the reason). */
function refused(settings, key, reason) {
  assert.throws(() => new Policy(settings, { file: 'hostile.json' }), (e) => {
    assert.ok(e instanceof PolicySettingsError && e instanceof InvalidArgumentError, `${e && e.stack}`);
    assert.equal(e.key, key, e.message);
    if (typeof reason === 'string') assert.equal(e.reason, reason);
    else assert.match(e.reason, reason);
    assert.equal(e.message, `hostile.json: ${e.key}: ${e.reason}`);
    assert.ok(!/[\r\n]/.test(e.message) && e.message.length < 1000, e.message.slice(0, 200));
    assert.ok(!/boom/.test(e.message));
    return true;
  });
}

test('settings that throw while read: refused naming the key, before the module sees them', async () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const throwingElement = ['192.0.2.0/24'];
  Object.defineProperty(throwingElement, 0, { get: boom, enumerable: true });
  const cases = [
    [{ get authserv_id() { return boom(); } }, 'authserv_id', `must be a string, not ${UNREADABLE}`],
    [{ mail_from: { get reject() { return boom(); } } }, 'mail_from.reject', `must be a list, not ${UNREADABLE}`],
    [{ skip_networks: throwingElement }, 'skip_networks[0]', `must be a string, not ${UNREADABLE}`],
    [{ skip_networks: new Proxy([], { get: boom }) }, 'skip_networks', `must be a list, not ${UNREADABLE}`],
    [{ domain: new Proxy({}, { get: boom }) }, 'domain', `must be a table, not ${UNREADABLE}`],
    [{ address: new Proxy({}, { ownKeys: boom }) }, 'address', `must be a table, not ${UNREADABLE}`],
    [{ address: new Proxy({ 'a@b.example': {} }, { getOwnPropertyDescriptor: boom }) }, 'address', `must be a table, not ${UNREADABLE}`],
    [{ forwarder: [revoked] }, 'forwarder[0]', `must be a table, not ${UNREADABLE}`],
    [new Proxy({}, { ownKeys: boom }), '(top level)', `must be a table, not ${UNREADABLE}`],
    [revoked, '(top level)', `must be a table, not ${UNREADABLE}`],
  ];
  for (const [settings, key, reason] of cases) refused(settings, key, reason);
  // A getter that changes the object being read: read once, as it was.
  const shifty = { log_only: true, get iprev() { delete shifty.log_only; shifty.extra = 1; return 'report'; } };
  assert.ok(new Policy(shifty));
  await stillWorks();
});

test('settings of the wrong type: core names the key and the type given', () => {
  const cases = [
    [{ log_only: null }, 'log_only', 'must be true or false, not null'],
    [{ log_only: 'true' }, 'log_only', 'must be true or false, not a string'],
    [{ authserv_id: () => 'mx' }, 'authserv_id', 'must be a string, not a function'],
    [{ authserv_id: Symbol('mx') }, 'authserv_id', 'must be a string, not a symbol'],
    [{ unacceptable_pass: { max_addresses: 10n } }, 'unacceptable_pass.max_addresses', 'must be an integer, not a bigint'],
    [{ unacceptable_pass: { max_addresses: 1.5 } }, 'unacceptable_pass.max_addresses', 'must be an integer, not a number that is not whole'],
    [{ unacceptable_pass: { max_addresses: NaN } }, 'unacceptable_pass.max_addresses', 'must be an integer, not a number that is not whole'],
    [{ unacceptable_pass: { max_addresses: 2 ** 60 } }, 'unacceptable_pass.max_addresses', 'must be an integer, not a number that is not whole'],
    [{ unacceptable_pass: { max_addresses: -1 } }, 'unacceptable_pass.max_addresses', 'must be 0 (off) or more'],
    [{ mail_from: new Date() }, 'mail_from', 'must be a table, not an object that is neither a plain object nor an array'],
    [{ domain: new Map([['example.org', {}]]) }, 'domain', 'must be a table, not an object that is neither a plain object nor an array'],
    [{ skip_networks: '127.0.0.0/8' }, 'skip_networks', 'must be a list, not a string'],
    [{ skip_networks: [undefined] }, 'skip_networks[0]', 'must be a string, not undefined'],
    [{ skip_networks: new Uint8Array(4) }, 'skip_networks', 'must be a list, not an object that is neither a plain object nor an array'],
    [{ forwarder: { name: 'x', domain: 'x.example' } }, 'forwarder', 'must be a list of tables, not a table'],
    [{ address: { 'bob@example.net': { prospective: { forward_path: 'x@y.example', outbound: [new String('192.0.2.1')] } } } },
      'address."bob@example.net".prospective.outbound[0]', 'must be a string, not an object that is neither a plain object nor an array'],
    [null, '(top level)', 'must be a table, not null'],
    [undefined, '(top level)', 'must be a table, not undefined'],
    [42, '(top level)', 'must be a table, not an integer'],
    ['authserv_id = "mx"', '(top level)', 'must be a table, not a string'],
    [[], '(top level)', 'must be a table, not a list'],
  ];
  for (const [settings, key, reason] of cases) refused(settings, key, reason);
  // A key set to undefined is left out (as JSON does); inherited and
  // symbol keys are not the object's settings.
  assert.ok(new Policy({ log_only: undefined, [Symbol('x')]: 1 }));
  assert.ok(new Policy(Object.assign(Object.create({ log_only: 'not a boolean' }), { iprev: 'report' })));
});

test('huge strings, lists, tables and trees: bounded here, refused by core naming the key', () => {
  const started = performance.now();
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  const endless = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : '192.0.2.1') });
  const cases = [
    [{ authserv_id: 'x'.repeat(10 * 2 ** 20) }, 'authserv_id', 'longer than 255 bytes'],
    [{ best_guess: `v=spf1 ${'a '.repeat(2 ** 20)}` }, 'best_guess', 'longer than 512 bytes'],
    [{ skip_networks: sparse }, 'skip_networks', 'more than 1024 entries'],
    [{ trusted_relays: endless }, 'trusted_relays', 'more than 1024 entries'],
    [{ forwarder: new Array(1e6).fill({ name: 'x', domain: 'x.example' }) }, 'forwarder', 'more than 64 forwarders'],
    [{ address: { [`${'a'.repeat(5e6)}@example.net`]: {} } }, /^address\."a{253}"$/, 'longer than 320 bytes'],
    [{ ['k'.repeat(5e6)]: true }, /^"k{253}"$/, 'unknown key'],
  ];
  for (const [settings, key, reason] of cases) {
    assert.throws(() => new Policy(settings), (e) => {
      assert.ok(e instanceof PolicySettingsError, `${e}`);
      if (typeof key === 'string') assert.equal(e.key, key);
      else assert.match(e.key, key);
      if (typeof reason === 'string') assert.equal(e.reason, reason);
      else assert.match(e.reason, reason);
      assert.ok(e.message.length < 1000);
      return true;
    });
  }
  // 100,001 addresses: more than core takes.
  const many = {};
  for (let i = 0; i <= 100000; i++) many[`u${i}@example.net`] = {};
  refused({ address: many }, 'address', 'more than 100000 entries');
  // A tree over 16 MiB (200-character keys, 100,000 of them): refused here.
  const big = {};
  for (let i = 0; i < 100000; i++) big[`${String(i).padStart(8, '0')}${'d'.repeat(190)}.example`] = {};
  refused({ domain: big }, '(top level)', 'larger than 16777216 bytes (as a settings file may be)');
  // Cycles and deep nesting end at the depth bound, without recursion past it.
  let deep = [];
  for (let i = 0; i < 1e5; i++) deep = [deep];
  refused({ skip_networks: deep }, 'skip_networks[0]', 'must be a string, not a list');
  const cycle = [];
  cycle.push(cycle);
  refused({ skip_networks: cycle }, 'skip_networks[0]', 'must be a string, not a list');
  const table = {};
  table.helo = table;
  refused(table, 'helo.helo', 'unknown key');
  assert.ok(performance.now() - started < 20000, `took ${performance.now() - started} ms`);
});

test('__proto__ and other odd keys are plain keys: refused, nothing polluted', () => {
  refused(JSON.parse('{"__proto__": {"log_only": true}}'), '__proto__', 'unknown key');
  refused({ mail_from: JSON.parse('{"__proto__": ["fail"]}') }, 'mail_from.__proto__', 'unknown key');
  refused({ 'a\r\nX-Injected: 1': true }, '"a\\u000D\\u000AX-Injected: 1"', 'unknown key');
  refused({ address: JSON.parse('{"constructor": {}}') }, 'address.constructor', '"constructor" is not an address local@domain');
  assert.equal({}.log_only, undefined);
  assert.equal(Object.prototype.log_only, undefined);
});

test('options and connections that throw while read: InvalidArgumentError', async () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const policy = new Policy({}, { resolver });
  const options = [
    { resolver, get timeout() { return boom(); } },
    { get recipientRules() { return boom(); } },
    { limits: new Proxy({}, { ownKeys: boom }) },
    new Proxy({ resolver }, { ownKeys: boom }),
    revoked,
  ];
  for (const o of options) assert.throws(() => new Policy({}, o), (e) => e instanceof InvalidArgumentError && !/boom/.test(e.message));
  const connections = [
    { ...CONNECTION, get ip() { return boom(); } },
    new Proxy(CONNECTION, { get: boom }),
    new Proxy(CONNECTION, { ownKeys: boom }),
    revoked,
    { ip: { toString: () => '192.0.2.7' }, helo: 'h', mailFrom: '' },
    '192.0.2.7',
  ];
  for (const c of connections) assert.throws(() => policy.message(c), (e) => e instanceof InvalidArgumentError && !/boom/.test(e.message));
  const sly = { toString: boom, valueOf: boom };
  await assert.rejects(policy.message(CONNECTION).decide(sly), InvalidArgumentError);
  await stillWorks();
});

test('a callback\'s hostile overrides: RecipientRulesError with the settings error as its cause', async () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  // Awaiting a revoked proxy rejects (reading its `then` throws): so here.
  const revokedRules = new Policy({}, { resolver, recipientRules: () => revoked }).message(CONNECTION);
  await assert.rejects(revokedRules.decide('bob@example.net'), (e) =>
    e instanceof RecipientRulesError && e.cause instanceof TypeError && /^recipientRules\("bob@example.net"\) rejected: TypeError: /.test(e.message));
  const given = {
    'traps@example.net': [new Proxy({}, { ownKeys: boom }), '(top level)', `must be a table, not ${UNREADABLE}`],
    'huge@example.net': [{ forwarder: new Array(2 ** 20).fill({ name: 'x', domain: 'x.example' }) }, 'forwarder', 'more than 64 forwarders'],
    'deep@example.net': [{ helo: { must_pass: [[[['x']]]] } }, 'helo.must_pass[0]', 'must be a string, not a list'],
    'long@example.net': [{ mail_from: { must_pass: ['x'.repeat(2 ** 24)] } }, 'mail_from.must_pass[0]', 'longer than 254 bytes'],
  };
  const policy = new Policy({}, { resolver, recipientRules: (rcpt) => given[rcpt][0] });
  const message = policy.message(CONNECTION);
  for (const [rcpt, [, key, reason]] of Object.entries(given)) {
    await assert.rejects(message.decide(rcpt), (e) => {
      assert.ok(e instanceof RecipientRulesError, `${e}`);
      assert.ok(e.cause instanceof PolicySettingsError);
      assert.deepEqual([e.cause.key, e.cause.reason], [key, reason]);
      assert.ok(e.message.length < 1000);
      return true;
    });
  }
  await stillWorks();
});

test('thousands of hostile settings and decisions in a row leave the module as it was', async () => {
  const kinds = [
    { get log_only() { return boom(); } },
    { skip_networks: new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : 'x') }) },
    { forwarder: [{ name: 'a b', domain: 'x.example' }] },
    { authserv_id: 'x'.repeat(100000) },
    null,
  ];
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      assert.throws(() => new Policy(kinds[i % kinds.length]), PolicySettingsError);
      const policy = new Policy({ mail_from: { reject: ['fail', 'softfail'] } }, { resolver });
      const message = policy.message({ ...CONNECTION, ip: i % 2 ? '192.0.2.7' : '203.0.113.9' });
      const d = await message.decide(i % 3 ? `u${i}@example.net` : new Uint8Array([0xff, 0x40]));
      assert.ok(['accept-with-headers', 'reject', 'not-checked'].includes(d.action));
      message.free();
      policy.free();
    }
  };
  await run(500);
  const before = process.memoryUsage().external;
  await run(3000);
  const grown = process.memoryUsage().external - before;
  assert.ok(grown < 4 * 2 ** 20, `external memory grew by ${grown} bytes over 3,000 rounds`);
  await stillWorks();
});
