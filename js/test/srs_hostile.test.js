// Input that fights back, given to SRS (issue 21, item 4): forged, expired,
// truncated, overlong and lower-cased addresses, timestamps of many
// characters, hashes of the wrong length or alphabet, NUL, non-ASCII and
// lone surrogates, empty local parts, huge strings; settings, times and
// arguments of the wrong type, getters and proxy traps that throw, arrays
// of length 2**32-1. Each must end as an SrsError with core's kind, an
// SrsSettingsError, or an InvalidArgumentError saying what was wrong, in
// bounded time, with nothing left behind in the module: a normal rewrite
// works afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { InternalError, InvalidArgumentError, Srs, SrsError, SrsSettingsError } from 'spfkit';

const NOW = 1_767_268_800;
const GOOD = 'SRS0=pfQg=7G=example.com=alice@fwd.example';
const SETTINGS = { secrets: ['test-secret-one'], domain: 'fwd.example' };
const boom = () => {
  throw new Error('boom');
};

function stillWorks() {
  const s = new Srs(SETTINGS);
  assert.equal(s.forward('alice@example.com', NOW).address, GOOD);
  assert.equal(s.reverse(GOOD, NOW), 'alice@example.com');
  s.free();
}

/** `f` throws an SrsError of `kind`. */
function refused(f, kind, what) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof SrsError, `${what}: ${e && e.stack}`);
    assert.equal(e.kind, kind, `${what}: ${e.message}`);
    assert.ok(e.message.length < 200 && !/[\r\n]/.test(e.message), e.message);
    return true;
  }, what);
}

/** `f` throws an InvalidArgumentError (not an SRS one) whose message matches `message`. */
function invalid(f, message, what = String(message)) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof InvalidArgumentError && !(e instanceof SrsSettingsError), `${what}: ${e && e.stack}`);
    assert.match(e.message, message, what);
    assert.ok(!/boom/.test(e.message) && e.message.length < 300, e.message);
    return true;
  }, what);
}

test('hostile addresses: each is refused with core\'s kind', () => {
  const s = new Srs(SETTINGS);
  const reverse = [
    // forged, expired, truncated, lower-cased with a bad hash
    ['SRS0=pfQh=7G=example.com=alice@fwd.example', 'bad-hash'],
    ['SRS0=pfQg=7F=example.com=alice@fwd.example', 'bad-hash'],
    ['SRS0=pfQg=5G=example.com=alice@fwd.example', 'expired'],
    ['SRS0=pfQg=7G=example.com', 'malformed'],
    ['SRS0=pfQg=7G', 'malformed'],
    ['SRS0=', 'malformed'],
    ['SRS0', 'not-srs'],
    ['', 'not-srs'],
    ['srs0=xxxx=7g=example.com=alice@fwd.example', 'bad-hash'],
    // timestamps of many characters (CVE-2020-35573), or of others
    [`SRS0=pfQg=${'7'.repeat(900)}=example.com=alice@fwd.example`, 'bad-timestamp'],
    [`SRS0=pfQg=${'7'.repeat(1e6)}=example.com=alice@fwd.example`, 'too-long'],
    ['SRS0=pfQg=70=example.com=alice@fwd.example', 'bad-timestamp'],
    ['SRS0=pfQg=7é=example.com=alice@fwd.example', 'malformed'],
    // hashes of the wrong length or alphabet
    ['SRS0==7G=example.com=alice@fwd.example', 'bad-hash'],
    ['SRS0=p=7G=example.com=alice@fwd.example', 'bad-hash'],
    ['SRS0=pf.g=7G=example.com=alice@fwd.example', 'bad-hash'],
    // NUL, control characters, non-ASCII, lone surrogates
    ['SRS0=pfQg=7G=example.com=al\0ice@fwd.example', 'malformed'],
    ['SRS0=pfQg=7G=example.com=alice\n@fwd.example', 'malformed'],
    ['SRS0=pfQg=7G=example.com=alic\u00e9@fwd.example', 'malformed'],
    ['SRS0=pfQg=7G=example.com=alic\ud800@fwd.example', 'malformed'],
    ['SRS0=pfQg=7G=example.com=alic\udfff\ud800@fwd.example', 'malformed'],
    // empty local part or host, under a valid hash (postsrsd signed them)
    ['SRS0=QJV9=7G=example.com=@fwd.example', 'malformed'],
    ['SRS0=yyKg=7G==user@fwd.example', 'malformed'],
    ['SRS1=AAAA==@fwd.example', 'bad-hash'],
    // too long, SRS or not
    [`SRS0=pfQg=7G=example.com=${'a'.repeat(1000)}@fwd.example`, 'too-long'],
    [`${'a'.repeat(5000)}@x`, 'not-srs'],
  ];
  for (const [a, kind] of reverse) refused(() => s.reverse(a, NOW), kind, `reverse ${JSON.stringify(a.slice(0, 60))}`);
  // Any case verifies: the fields are hashed lower-cased.
  assert.equal(s.reverse('SRS0=pfQg=7G=example.com=alicE@fwd.example', NOW), 'alicE@example.com');

  const forward = [
    ['', 'malformed'],
    ['@', 'malformed'],
    ['a@', 'malformed'],
    ['@b', 'malformed'],
    ['a\0b@example.com', 'malformed'],
    ['a@exa\0mple.com', 'malformed'],
    ['\u00e9@example.com', 'malformed'],
    ['\ud800@example.com', 'malformed'],
    ['a@\udc00.example', 'malformed'],
    ['SRS1=@x', 'malformed'],
    ['sRs1@x=y=z', 'malformed'],
    ['"a@b"@example.org', 'malformed'],
    [`${'u'.repeat(987)}@example.com`, 'too-long'],
    [`${'b'.repeat(1012)}@fwd.example`, 'too-long'],
  ];
  for (const [a, kind] of forward) refused(() => s.forward(a, NOW), kind, `forward ${JSON.stringify(a.slice(0, 60))}`);
  // Exactly at the bound: rewritten to 1023 octets.
  assert.equal(s.forward(`${'u'.repeat(986)}@example.com`, NOW).address.length, 1023);
  // Local mail is left alone before its octets are looked at: the sender
  // comes back as given, the very string, lone surrogate and all.
  for (const local of ['j\u00f6rg@FWD.example', 'j\ud800rg@fwd.example', `${'b'.repeat(1011)}@fwd.example`]) {
    const f = s.forward(local, NOW);
    assert.deepEqual([f.rewritten, f.reason], [false, 'local-domain']);
    assert.equal(f.address, local);
  }
  s.free();
  stillWorks();
});

test('huge strings: refused at once, only their start copied into the module', () => {
  const s = new Srs(SETTINGS);
  const huge = 'x'.repeat(2 ** 24);
  const started = performance.now();
  for (let i = 0; i < 20; i++) {
    refused(() => s.forward(`${huge}@example.com`, NOW), 'too-long', 'huge sender');
    refused(() => s.forward(`alice@${huge}`, NOW), 'too-long', 'huge domain');
    refused(() => s.reverse(`SRS0=pfQg=7G=example.com=${huge}@fwd.example`, NOW), 'too-long', 'huge SRS0');
    refused(() => s.reverse(`SRS0=pfQg=${huge}=example.com=a@fwd.example`, NOW), 'too-long', 'huge timestamp');
    refused(() => s.reverse(huge, NOW), 'not-srs', 'huge non-SRS');
  }
  // 100 strings of 16 Mi characters: only their first 1024 are copied.
  assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
  // Huge settings are core's to judge: a long domain is a domain, and
  // every rewrite into it is too long.
  const wide = new Srs({ secrets: ['x'.repeat(1 << 20)], domain: 'd'.repeat(1 << 20), localDomains: ['l'.repeat(1 << 20)] });
  refused(() => wide.forward('alice@example.com', NOW), 'too-long', 'huge own domain');
  wide.free();
  s.free();
  stillWorks();
});

test('settings of the wrong type, or that throw while read: InvalidArgumentError, naming the setting', () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  const endless = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : 's') });
  const throwingElement = ['s'];
  Object.defineProperty(throwingElement, 0, { get: boom, enumerable: true });
  const cases = [
    ['not an object', /^settings must be an object, not "not an object"$/],
    [42, /^settings must be an object, not 42$/],
    [[], /^settings must be an object, not an array$/],
    [revoked, /^settings could not be read/],
    [new Proxy({}, { ownKeys: boom }), /^settings could not be read/],
    [{ get secrets() { return boom(); }, domain: 'fwd.example' }, /^settings\.secrets could not be read \(its getter threw\)$/],
    [{ ...SETTINGS, secret: 'x' }, /^unknown option "settings\.secret"; known: secrets, domain, /],
    [{ ...SETTINGS, secrets: 'test-secret-one' }, /^settings\.secrets must be an array, not "test-secret-one"$/],
    [{ ...SETTINGS, secrets: [42] }, /^settings\.secrets\[0\] must be a string or a Uint8Array, not 42$/],
    [{ ...SETTINGS, secrets: [new Uint16Array(4)] }, /^settings\.secrets\[0\] must be a string or a Uint8Array, not an object$/],
    [{ ...SETTINGS, secrets: ['ok', 'a\ud800b'] }, /^settings\.secrets\[1\] holds a lone surrogate/],
    [{ ...SETTINGS, secrets: sparse }, /^settings\.secrets holds 4294967295 entries, more than 1024$/],
    [{ ...SETTINGS, secrets: endless }, /^settings\.secrets holds 4294967295 entries, more than 1024$/],
    [{ ...SETTINGS, secrets: new Array(1025).fill('s') }, /^settings\.secrets holds 1025 entries, more than 1024$/],
    [{ ...SETTINGS, secrets: throwingElement }, /^settings\.secrets could not be read/],
    [{ ...SETTINGS, secrets: new Proxy([], { get: boom }) }, /^settings\.secrets could not be read/],
    [{ ...SETTINGS, secrets: [revoked] }, /^settings\.secrets\[0\] must be a string or a Uint8Array, not/],
    [{ ...SETTINGS, domain: 42 }, /^settings\.domain must be a string, not 42$/],
    [{ ...SETTINGS, domain: ['fwd.example'] }, /^settings\.domain must be a string, not an array$/],
    [{ ...SETTINGS, separator: 43 }, /^settings\.separator must be a string, not 43$/],
    [{ ...SETTINGS, hashLength: -1 }, /^settings\.hashLength must be a whole number, 0 or more, not -1$/],
    [{ ...SETTINGS, hashLength: 4.5 }, /^settings\.hashLength must be a whole number, 0 or more, not 4\.5$/],
    [{ ...SETTINGS, hashMin: NaN }, /^settings\.hashMin must be a whole number, 0 or more, not NaN$/],
    [{ ...SETTINGS, hashMin: '4' }, /^settings\.hashMin must be a whole number, 0 or more, not "4"$/],
    [{ ...SETTINGS, maxAgeDays: Infinity }, /^settings\.maxAgeDays must be a whole number, 0 or more, not Infinity$/],
    [{ ...SETTINGS, maxAgeDays: 21n }, /^settings\.maxAgeDays must be a whole number, 0 or more, not 21n$/],
    [{ ...SETTINGS, urlSafe: 'yes' }, /^settings\.urlSafe must be true or false, not "yes"$/],
    [{ ...SETTINGS, refuseLong: 1 }, /^settings\.refuseLong must be true or false, not 1$/],
    [{ ...SETTINGS, localDomains: 'local.example' }, /^settings\.localDomains must be an array, not "local\.example"$/],
    [{ ...SETTINGS, localDomains: [null] }, /^settings\.localDomains\[0\] must be a string, not null$/],
    [{ ...SETTINGS, localDomains: sparse }, /^settings\.localDomains holds 4294967295 entries, more than 1024$/],
  ];
  const started = performance.now();
  for (const [settings, message] of cases) invalid(() => new Srs(settings), message);
  assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
  // A detached Uint8Array is an empty secret: core's bad-secret.
  const detached = new Uint8Array(16);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.throws(() => new Srs({ ...SETTINGS, secrets: [detached] }), (e) => e instanceof SrsSettingsError && e.kind === 'bad-secret');
  // null and undefined settings are empty ones: core says what is missing.
  for (const nothing of [null, undefined, {}]) {
    assert.throws(() => new Srs(nothing), (e) => e instanceof SrsSettingsError && e.kind === 'no-secret');
  }
  // A getter that changes the object being read: read once, as it was.
  const shifty = { secrets: ['test-secret-one'], get domain() { delete shifty.secrets; return 'fwd.example'; } };
  assert.equal(new Srs(shifty).forward('alice@example.com', NOW).address, GOOD);
  // The secrets are copied: changing the caller's array or bytes later changes nothing.
  const key = new TextEncoder().encode('test-secret-one');
  const list = [key];
  const copied = new Srs({ secrets: list, domain: 'fwd.example' });
  key.fill(0x41);
  list.push('other');
  assert.equal(copied.forward('alice@example.com', NOW).address, GOOD);
  stillWorks();
});

test('addresses and times of the wrong type: InvalidArgumentError', () => {
  const s = new Srs(SETTINGS);
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const f of [(a) => s.forward(a, NOW), (a) => s.reverse(a, NOW)]) {
    for (const [a, shown] of [[42, '42'], [null, 'null'], [undefined, 'undefined'], [Symbol('a'), 'a symbol'],
      [{}, 'an object'], [['a@b'], 'an array'], [new String('a@b'), 'an object'], [revoked, 'a revoked proxy'],
      [new TextEncoder().encode('a@b'), 'an object']]) {
      invalid(() => f(a), new RegExp(`^address must be a string, not ${shown}$`));
    }
  }
  const fakeDate = Object.create(Date.prototype);
  const dateProxy = new Proxy(new Date(NOW * 1000), {});
  for (const [now, message] of [
    [-1, /^now must be whole seconds since the epoch or a Date, not -1$/],
    [1.5, /^now must be whole seconds since the epoch or a Date, not 1\.5$/],
    [NaN, /, not NaN$/],
    [Infinity, /, not Infinity$/],
    [2 ** 60, /, not 1152921504606847000$/],
    [String(NOW), /, not "1767268800"$/],
    [BigInt(NOW), /, not 1767268800n$/],
    [{}, /, not an object$/],
    [fakeDate, /, not an object$/],
    [dateProxy, /, not an object$/],
    [revoked, /, not a revoked proxy$/],
    [new Date(NaN), /^now must be a valid Date from 1970 on, not an object$/],
    [new Date(-1000), /^now must be a valid Date from 1970 on, not an object$/],
  ]) {
    invalid(() => s.forward('alice@example.com', now), message, `forward at ${message}`);
    invalid(() => s.reverse(GOOD, now), message, `reverse at ${message}`);
  }
  // The largest time there is: a timestamp all the same.
  assert.match(s.forward('alice@example.com', Number.MAX_SAFE_INTEGER).address, /^SRS0=....=..=example.com=alice@fwd.example$/);
  s.free();
});

test('a freed Srs throws, and nothing else is harmed; thousands of refusals in a row leave no trace', () => {
  const s = new Srs(SETTINGS);
  s.free();
  // As every class's after free(): the module's pointer is gone.
  assert.throws(() => s.forward('alice@example.com', NOW), InternalError);
  assert.throws(() => s.reverse(GOOD, NOW), InternalError);
  stillWorks();
  const t = new Srs(SETTINGS);
  const hostile = [`${'x'.repeat(1 << 16)}@example.com`, 'a\ud800@example.com', 'SRS0=pfQg=7G=example.com', '\0'];
  for (let i = 0; i < 20000; i++) {
    const a = hostile[i % hostile.length];
    assert.throws(() => (i % 2 ? t.forward(a, NOW) : t.reverse(`SRS0=${a}`, NOW)), SrsError);
    if (i % 1000 === 0) assert.throws(() => new Srs({ ...SETTINGS, hashLength: 99 }), SrsSettingsError);
  }
  assert.equal(t.reverse(t.forward('bob@example.com', NOW).address, NOW), 'bob@example.com');
  t.free();
  stillWorks();
});
