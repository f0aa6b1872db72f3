// tests/policy/cases.json, the receiver-policy table every host runs (see
// tests/policy/README.md), through the installed package, as
// core/tests/policy.rs runs it in Rust: every case's recipients decided in
// order within one message twice, by decide() (the async resolver, the
// `host_rules` through a recipientRules callback, a promise or not) and by
// the step API (start() with the host_rules, answers given in reverse
// order), the two decisions equal and as the case expects; and every
// bad_settings entry refused naming its key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Policy, PolicySettingsError } from 'spfkit';

import { suiteZone } from './suite_cases.js';
import { REPO, recordCount } from './suite_zone.js';

const TABLE = JSON.parse(readFileSync(join(REPO, 'tests/policy/cases.json'), 'utf8'));
const TIMESTAMP = 1_700_000_000;

const replyText = (r) => (r === null ? null : `${r.code} ${r.enhanced} ${r.text}`);
// Control characters, as Rust's char::is_control (Unicode Cc).
const hasControls = (s) => /\p{Cc}/u.test(s);

/** The differences between a decision and what a case expects of it. */
function differences(d, expect) {
  const out = [];
  for (const [key, want] of Object.entries(expect)) {
    let got;
    switch (key) {
      case 'action': got = d.action; break;
      case 'reply': got = replyText(d.reply); break;
      case 'intended': got = replyText(d.intended); break;
      case 'rule': got = d.rule; break;
      case 'forwarder': got = d.forwarder; break;
      case 'reputation_key': got = d.reputationKey; break;
      case 'headers': got = d.headers; break;
      case 'no_controls':
        got = d.headers.every(([n, v]) => !hasControls(n) && !hasControls(v.replaceAll('\r\n ', ' ')))
          && (d.reply === null || !hasControls(d.reply.text));
        break;
      case 'note': continue;
      default: throw new Error(`unknown expectation ${key}`);
    }
    if (!isDeepStrictEqual(got, want)) out.push(`${key}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  return out;
}

function isDeepStrictEqual(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

const connectionOf = (c) => ({
  ip: c.ip,
  helo: c.helo ?? '',
  mailFrom: c.mail_from ?? '',
  authenticated: c.authenticated ?? false,
});

/** The case's recipients through the step API, answers in reverse order. */
function stepped(policy, c, zone) {
  const message = policy.message(connectionOf(c.connection));
  const out = [];
  for (const r of c.recipients) {
    const steps = message.start(r.address, r.host_rules ?? null);
    for (let queries = steps.next(); queries !== null; queries = steps.next()) {
      assert.notEqual(queries.length, 0, 'waiting with every query answered');
      for (const q of [...queries].reverse()) steps.answer(q, zone(q.name, q.type));
    }
    out.push(steps.decision());
    steps.free();
  }
  message.free();
  return out;
}

test('policy: every case of tests/policy/cases.json, by decide() and by the step API', async () => {
  const failed = [];
  for (const [index, c] of TABLE.cases.entries()) {
    const zone = suiteZone(c.zone);
    // The callback gives the recipient being decided its host_rules: as a
    // promise in every other case, else directly.
    let current = null;
    const recipientRules = (address) => {
      assert.equal(typeof address, 'string');
      const rules = current.host_rules ?? null;
      return index % 2 === 0 ? Promise.resolve(rules) : rules;
    };
    let policy;
    try {
      policy = new Policy(c.settings, {
        resolver: async (name, type) => zone(name, type),
        timestamp: TIMESTAMP,
        recipientRules,
        file: c.name,
      });
    } catch (e) {
      failed.push(`${c.name}: settings refused: ${e.message}`);
      continue;
    }
    const message = policy.message(connectionOf(c.connection));
    const problems = [];
    const decided = [];
    for (const [i, r] of c.recipients.entries()) {
      current = r;
      const d = await message.decide(r.address);
      decided.push(d);
      for (const p of differences(d, r.expect)) problems.push(`recipient ${i} (${JSON.stringify(r.address)}): ${p}`);
    }
    const steps = stepped(policy, c, zone);
    for (const [i, d] of steps.entries()) {
      if (!isDeepStrictEqual(d, decided[i])) {
        problems.push(`recipient ${i}: the step API decided ${JSON.stringify(d)}, decide() ${JSON.stringify(decided[i])}`);
      }
    }
    // Plain, JSON-compatible objects.
    for (const d of decided) if (!isDeepStrictEqual(JSON.parse(JSON.stringify(d)), d)) problems.push('not plain');
    message.free();
    policy.free();
    if (problems.length) failed.push(`${c.name}:\n  ${problems.join('\n  ')}`);
  }
  const ran = TABLE.cases.length;
  console.log(`policy (JS): ${ran} cases ran, ${ran - failed.length} passed`);
  recordCount('js/policy/cases', ran, ran - failed.length);
  assert.equal(failed.length, 0, `${failed.length} of ${ran} cases failed:\n${failed.join('\n')}`);
});

test('policy: every bad_settings entry of tests/policy/cases.json is refused, naming its key', () => {
  const failed = [];
  for (const b of TABLE.bad_settings) {
    const settings = structuredClone(b.settings);
    if (b.generate) settings[b.generate.key] = new Array(b.generate.count).fill(b.generate.value);
    try {
      new Policy(settings, { file: 'policy.toml' });
      failed.push(`${b.name}: accepted`);
    } catch (e) {
      if (!(e instanceof PolicySettingsError)) {
        failed.push(`${b.name}: ${e && e.name}: ${e && e.message}`);
        continue;
      }
      if (e.key !== b.error_key) failed.push(`${b.name}: key ${JSON.stringify(e.key)}, want ${b.error_key} (${e.message})`);
      if (/[\r\n]/.test(e.message)) failed.push(`${b.name}: the message spans lines: ${JSON.stringify(e.message)}`);
      if (e.file !== 'policy.toml' || e.line !== null || e.message !== `policy.toml: ${e.key}: ${e.reason}`) {
        failed.push(`${b.name}: file ${e.file}, line ${e.line}, message ${JSON.stringify(e.message)}`);
      }
      if (e.code !== 'policy-settings') failed.push(`${b.name}: code ${e.code}`);
    }
  }
  const ran = TABLE.bad_settings.length;
  console.log(`policy (JS): ${ran} bad settings tried, ${ran - failed.length} refused as expected`);
  recordCount('js/policy/bad-settings', ran, ran - failed.length);
  assert.equal(failed.length, 0, failed.join('\n'));
});
