// SRS for forwarders through the installed package: every vector of
// tests/srs/vectors.json (what postsrsd 1.10 wrote; see tests/srs/README.md),
// as core/tests/srs.rs runs them in Rust, twice (secrets as strings and the
// time as seconds; secrets as bytes and the time as a Date); what postsrsd
// cannot show (URL-safe hashes, refusing long local parts, settings, the
// clock, keygen); the TypeScript unions against core's names; SRS in the
// module without the policy; and the README's and docs/srs.md's examples.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError, SpfError, Srs, SrsError, SrsSettingsError } from 'spfkit';

import { REPO, recordCount } from './suite_zone.js';

const DOC = JSON.parse(readFileSync(join(REPO, 'tests/srs/vectors.json'), 'utf8'));
/** 2026-01-01T12:00:00Z, day slot 998 ("7G"). */
const NOW = 1_767_268_800;
const DAY = 86_400;
const utf8 = new TextEncoder();

/** A config of the vectors as Srs settings (camelCase), secrets as given or as bytes. */
function settingsOf(config, bytes) {
  const s = { secrets: config.secrets.map((x) => (bytes ? utf8.encode(x) : x)), domain: config.domain };
  if (config.separator !== undefined) s.separator = config.separator;
  if (config.hash_length !== undefined) s.hashLength = config.hash_length;
  if (config.hash_min !== undefined) s.hashMin = config.hash_min;
  if (config.local_domains !== undefined) s.localDomains = config.local_domains;
  return s;
}

/** An outcome in the vectors' form; an error must be an SrsError of core's form. */
function outcome(f, input) {
  try {
    const r = f();
    if (typeof r === 'string') return { outcome: 'ok', address: r };
    if (!r.rewritten) {
      assert.equal(r.address, input, 'unchanged is the sender as given');
      assert.deepEqual(r.warnings, []);
      return { outcome: 'unchanged', reason: r.reason };
    }
    assert.equal(r.reason, null);
    for (const w of r.warnings) assert.ok(w.message.startsWith(`${w.kind}: `) && Number.isInteger(w.octets), w.message);
    return { outcome: 'ok', address: r.address, warnings: r.warnings.map((w) => w.kind) };
  } catch (e) {
    assert.ok(e instanceof SrsError && e instanceof SpfError, `${e && e.stack}`);
    assert.equal(e.code, 'srs');
    assert.equal(e.message, `${e.kind}: ${e.reason}`);
    return { outcome: 'error', kind: e.kind };
  }
}

test('srs: every vector of tests/srs/vectors.json (postsrsd 1.10), secrets as strings and as bytes', () => {
  const failed = [];
  const failing = new Set();
  for (const [pass, bytes] of [['strings, seconds', false], ['bytes, Date', true]]) {
    const rewriters = {};
    for (const [name, config] of Object.entries(DOC.configs)) rewriters[name] = new Srs(settingsOf(config, bytes));
    for (const [i, v] of DOC.vectors.entries()) {
      const srs = rewriters[v.config];
      const now = bytes ? new Date(v.now * 1000) : v.now;
      const got = outcome(() => (v.op === 'forward' ? srs.forward(v.input, now) : srs.reverse(v.input, now)), v.input);
      try {
        assert.deepStrictEqual(got, v.expected);
      } catch {
        failing.add(i);
        failed.push(`${pass}: ${v.config} ${v.op} ${JSON.stringify(v.input)}: got ${JSON.stringify(got)}, want ${JSON.stringify(v.expected)}`);
      }
      // A deviation says why; otherwise postsrsd's outcome is spfkit's.
      assert.ok(v.deviation !== undefined || JSON.stringify(v.expected) === JSON.stringify(v.postsrsd), JSON.stringify(v));
    }
    for (const srs of Object.values(rewriters)) srs.free();
  }
  const ran = DOC.vectors.length;
  const passed = ran - failing.size;
  console.log(`srs (JS): ${ran} vectors ran twice, ${passed} passed both times`);
  recordCount('js/srs/vectors', ran, passed);
  assert.equal(failed.length, 0, failed.join('\n'));
  assert.ok(ran >= 90, `too few vectors: ${ran}`);
});

const srs = () => new Srs({ secrets: ['test-secret-one'], domain: 'fwd.example' });

/** The kind of the SrsError `f` throws. */
function kindOf(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SrsError, `${e && e.stack}`);
    return e.kind;
  }
  assert.fail('no error');
}

test('srs: URL-safe hashes, long local parts, the maximum age, hash lengths', () => {
  // postsrsd wrote SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example.
  const url = new Srs({ secrets: ['test-secret-one'], domain: 'fwd.example', urlSafe: true });
  const a = url.forward('urlsafe2@example.com', NOW);
  assert.equal(a.address, 'SRS0=f-Bb=7G=example.com=urlsafe2@fwd.example');
  for (const x of [a.address, 'SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example', 'srs0=F-BB=7g=example.com=urlsafe2@x']) {
    assert.equal(url.reverse(x, NOW), 'urlsafe2@example.com');
    assert.equal(srs().reverse(x, NOW), 'urlsafe2@example.com');
  }

  const long = `${'a'.repeat(40)}@example.com`;
  const fwd = srs().forward(long, NOW);
  assert.deepEqual(fwd.warnings.map((w) => [w.kind, w.octets]), [['long-local-part', 65]]);
  assert.match(fwd.warnings[0].message, /^long-local-part: .*65 octets/);
  const strict = new Srs({ secrets: ['test-secret-one'], domain: 'fwd.example', refuseLong: true });
  assert.equal(kindOf(() => strict.forward(long, NOW)), 'too-long');
  assert.deepEqual(strict.forward(`${'a'.repeat(39)}@example.com`, NOW).warnings, []);
  assert.equal(strict.reverse(fwd.address, NOW), long);

  const young = new Srs({ secrets: ['test-secret-one'], domain: 'fwd.example', maxAgeDays: 0 });
  const made = 'SRS0=pfQg=7G=example.com=alice@fwd.example';
  assert.equal(young.reverse(made, NOW + DAY - 1 - 12 * 3600), 'alice@example.com');
  assert.equal(kindOf(() => young.reverse(made, NOW + DAY)), 'expired');
  assert.equal(kindOf(() => srs().reverse(made, NOW + 22 * DAY)), 'expired');

  const whole = new Srs({ secrets: ['s'], domain: 'fwd.example', hashLength: 27, hashMin: 1 });
  const w = whole.forward('a@example.com', NOW).address;
  const hash = w.split('=')[1];
  assert.equal(hash.length, 27);
  assert.equal(whole.reverse(w.replace(hash, hash[0]), NOW), 'a@example.com');

  // Separators, local domains and two secrets: the first signs, both verify.
  const plus = new Srs({ secrets: ['new', 'test-secret-one'], domain: 'fwd.example', separator: '+', localDomains: ['.sub.example'] });
  assert.match(plus.forward('a@example.com', NOW).address, /^SRS0\+/);
  assert.equal(plus.reverse(made, NOW), 'alice@example.com');
  assert.deepEqual(plus.forward('x@a.sub.example', NOW), { address: 'x@a.sub.example', rewritten: false, reason: 'local-domain', warnings: [] });
  assert.deepEqual(srs().forward(made, NOW), { address: made, rewritten: false, reason: 'already-rewritten', warnings: [] });
});

test('srs: the clock when no time is given, a Date, and the epoch', () => {
  const s = srs();
  const before = Math.floor(Date.now() / 1000);
  const got = s.forward('alice@example.com').address;
  const after = Math.floor(Date.now() / 1000);
  // Midnight may pass between the readings: either day is right.
  assert.ok([before, after].some((t) => s.forward('alice@example.com', t).address === got), got);
  assert.equal(s.reverse(got), 'alice@example.com');
  assert.equal(s.reverse(got, null), 'alice@example.com');
  assert.equal(s.forward('alice@example.com', new Date(NOW * 1000 + 999)).address, s.forward('alice@example.com', NOW).address);
  assert.match(s.forward('a@example.com', 0).address, /^SRS0=....=AA=/);
  assert.match(s.forward('a@example.com', new Date(0)).address, /^SRS0=....=AA=/);
});

test('srs: keygen draws 24 random octets and gives core\'s base64 secret', () => {
  const keys = new Set();
  for (let i = 0; i < 100; i++) {
    const k = Srs.keygen();
    assert.match(k, /^[A-Za-z0-9+/]{32}$/);
    keys.add(k);
  }
  assert.equal(keys.size, 100);
  const s = new Srs({ secrets: [Srs.keygen()], domain: 'fwd.example' });
  assert.equal(s.reverse(s.forward('x@example.com', NOW).address, NOW), 'x@example.com');
});

test('srs: errors are SpfErrors; settings errors name core\'s kinds', () => {
  const e = (() => {
    try {
      srs().reverse('SRS0=AAAA=7G=a=b@x', NOW);
    } catch (x) {
      return x;
    }
  })();
  assert.ok(e instanceof SrsError && e instanceof SpfError && !(e instanceof InvalidArgumentError));
  assert.deepEqual([e.name, e.code, e.kind, e.reason, e.message], ['SrsError', 'srs', 'bad-hash', 'the hash is invalid', 'bad-hash: the hash is invalid']);
  assert.throws(() => new Srs({ secrets: ['s'], domain: 'fwd.example', hashLength: 28 }), (x) => {
    assert.ok(x instanceof SrsSettingsError && x instanceof InvalidArgumentError, `${x}`);
    assert.deepEqual([x.name, x.code, x.kind, x.reason, x.message],
      ['SrsSettingsError', 'srs-settings', 'bad-hash-length', 'the hash length must be 1 to 27', 'bad-hash-length: the hash length must be 1 to 27']);
    return true;
  });
});

/** The kind of the SrsSettingsError `new Srs(settings)` throws. */
function settingsKind(settings) {
  try {
    new Srs(settings);
  } catch (e) {
    assert.ok(e instanceof SrsSettingsError, `${e && e.stack}`);
    assert.equal(e.message, `${e.kind}: ${e.reason}`);
    return e.kind;
  }
  assert.fail(`accepted: ${JSON.stringify(settings)}`);
}

/** Every settings error core has, provoked: [settings, kind]. */
const BAD_SETTINGS = [
  [{ domain: 'fwd.example' }, 'no-secret'],
  [{ secrets: [], domain: 'fwd.example' }, 'no-secret'],
  [{ secrets: [''], domain: 'fwd.example' }, 'bad-secret'],
  [{ secrets: ['ok', 'a\0b'], domain: 'fwd.example' }, 'bad-secret'],
  [{ secrets: [new Uint8Array(0)], domain: 'fwd.example' }, 'bad-secret'],
  [{ secrets: ['s'] }, 'bad-domain'],
  [{ secrets: ['s'], domain: '' }, 'bad-domain'],
  [{ secrets: ['s'], domain: 'a@b' }, 'bad-domain'],
  [{ secrets: ['s'], domain: 'fü.example' }, 'bad-domain'],
  [{ secrets: ['s'], domain: 'f\ud800.example' }, 'bad-domain'],
  [{ secrets: ['s'], domain: 'fwd.example', separator: '/' }, 'bad-separator'],
  [{ secrets: ['s'], domain: 'fwd.example', separator: '' }, 'bad-separator'],
  [{ secrets: ['s'], domain: 'fwd.example', separator: '==' }, 'bad-separator'],
  [{ secrets: ['s'], domain: 'fwd.example', separator: '\ud800' }, 'bad-separator'],
  [{ secrets: ['s'], domain: 'fwd.example', hashLength: 0 }, 'bad-hash-length'],
  [{ secrets: ['s'], domain: 'fwd.example', hashLength: 2 ** 60 }, 'bad-hash-length'],
  [{ secrets: ['s'], domain: 'fwd.example', hashMin: 0 }, 'bad-hash-min'],
  [{ secrets: ['s'], domain: 'fwd.example', hashMin: 5 }, 'bad-hash-min'],
  [{ secrets: ['s'], domain: 'fwd.example', maxAgeDays: 1024 }, 'bad-max-age'],
  [{ secrets: ['s'], domain: 'fwd.example', maxAgeDays: Number.MAX_SAFE_INTEGER }, 'bad-max-age'],
  [{ secrets: ['s'], domain: 'fwd.example', localDomains: ['.'] }, 'bad-local-domain'],
  [{ secrets: ['s'], domain: 'fwd.example', localDomains: ['ok.example', ' x'] }, 'bad-local-domain'],
];

test('srs: settings core refuses, each with its kind', () => {
  for (const [settings, kind] of BAD_SETTINGS) assert.equal(settingsKind(settings), kind, JSON.stringify(settings));
  // A secret's bytes are the key, NUL excepted: any other octet, as postsrsd's file holds it.
  const bytes = new Srs({ secrets: [new Uint8Array([0xff, 0x20, 0x01])], domain: 'fwd.example' });
  assert.equal(bytes.reverse(bytes.forward('a@example.com', NOW).address, NOW), 'a@example.com');
  // A string secret is its UTF-8.
  const text = new Srs({ secrets: ['é'], domain: 'fwd.example' }).forward('a@example.com', NOW).address;
  assert.equal(new Srs({ secrets: [utf8.encode('é')], domain: 'fwd.example' }).forward('a@example.com', NOW).address, text);
});

test('srs: the TypeScript unions are core\'s names', () => {
  const types = readFileSync(fileURLToPath(new URL('srs-types.d.ts', import.meta.resolve('spfkit'))), 'utf8');
  const union = (name) => {
    const m = new RegExp(`export type ${name} =([^;]*);`).exec(types);
    return [...new Set([...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]))].sort();
  };
  const expected = DOC.vectors.map((v) => v.expected);
  const names = (key) => [...new Set(expected.map((x) => x[key]).filter((x) => x !== undefined))].sort();
  assert.deepEqual(union('SrsErrorKind'), names('kind'));
  assert.deepEqual(union('SrsUnchangedReason'), names('reason'));
  assert.deepEqual(union('SrsSettingsErrorKind'), [...new Set(BAD_SETTINGS.map(([, k]) => k))].sort());
  const warning = /kind: '([^']+)'/.exec(/export interface SrsWarning \{([\s\S]*?)\n\}/.exec(types)[1])[1];
  assert.deepEqual([warning], [...new Set(expected.flatMap((x) => x.warnings ?? []))]);
});

test('srs: in the module without the policy, as a page or worker loads it', () => {
  const web = new URL('web.js', import.meta.resolve('spfkit')).href;
  const small = fileURLToPath(import.meta.resolve('spfkit/spfkit.wasm'));
  const script = `
    import { readFileSync } from 'node:fs';
    const spfkit = await import(${JSON.stringify(web)});
    spfkit.initSync(readFileSync(${JSON.stringify(small)}));
    const srs = new spfkit.Srs({ secrets: ['test-secret-one'], domain: 'fwd.example' });
    const a = srs.forward('alice@example.com', ${NOW}).address;
    let kind;
    try { srs.reverse('SRS0=AAAA=7G=example.com=alice@fwd.example', ${NOW}); } catch (e) { kind = e.kind; }
    console.log(JSON.stringify([a, srs.reverse(a, ${NOW}), kind, spfkit.Srs.keygen().length]));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual(out, ['SRS0=pfQg=7G=example.com=alice@fwd.example', 'alice@example.com', 'bad-hash', 32]);
});

/**
 * Runs the first ```js block after `heading` in `file` and checks that
 * each console.log line prints what its `// comment` says.
 */
function runExample(file, heading) {
  const text = readFileSync(join(REPO, file), 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `${file}: no ${heading}`);
  const block = /```js\n([\s\S]*?)```/.exec(text.slice(at))[1];
  const want = [...block.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  assert.ok(want.length > 0, `${file}: no console.log with its output`);
  // Beside this file, so that 'spfkit' resolves to the package under test.
  const script = join(import.meta.dirname, `example-${process.pid}.mjs`);
  writeFileSync(script, block);
  try {
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' }).trimEnd().split('\n');
    assert.deepEqual(out, want, `${file}: ${heading}`);
  } finally {
    rmSync(script, { force: true });
  }
}

test('srs: the README\'s and docs/srs.md\'s JavaScript examples print what they say', () => {
  runExample('README.md', '#### SRS from JavaScript');
  runExample('docs/srs.md', '## From JavaScript');
});
