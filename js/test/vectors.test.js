// tests/vectors/vectors.json, spfkit's own language-neutral cases (see
// tests/vectors/README.md), through the installed package: every parse case
// through parseRecord() and every check case through check()/checkHost()
// under both lookup plans, as core/tests/vectors.rs runs them in Rust.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { RecordSyntaxError, check, checkHost, parseRecord } from 'spfkit';

import { suiteZone } from './suite_cases.js';
import { REPO, recordCount } from './suite_zone.js';

const VECTORS = JSON.parse(readFileSync(join(REPO, 'tests/vectors/vectors.json'), 'utf8'));
const utf8 = new TextEncoder();
/** A JS string index as the byte offset the vectors give. */
const byteAt = (text, index) => utf8.encode(text.slice(0, index)).length;

test('vectors: parse cases through parseRecord()', () => {
  for (const c of VECTORS.parse) {
    let parsed;
    try {
      parsed = parseRecord(c.record);
    } catch (e) {
      assert.ok(e instanceof RecordSyntaxError, `${c.record}: ${e}`);
      assert.ok(c.error, `${c.record}: unexpected error ${e.message}`);
      assert.equal(e.code, c.error.code, c.record);
      assert.deepEqual(e.span, [e.start, e.end], c.record);
      assert.deepEqual([byteAt(c.record, e.start), byteAt(c.record, e.end)], c.error.span, c.record);
      assert.equal(e.term, c.error.term, c.record);
      continue;
    }
    assert.equal(parsed.text, c.printed, `${c.record} parsed; expected ${JSON.stringify(c.error)}`);
    assert.equal(parseRecord(parsed.text).text, parsed.text);
  }
  console.log(`vectors (JS): ${VECTORS.parse.length} parse cases ran, all passed`);
  recordCount('js/vectors/parse', VECTORS.parse.length, VECTORS.parse.length);
});

function optionsOf(o = {}) {
  const options = {};
  if (o.receiver !== undefined) options.receiver = o.receiver;
  if (o.timestamp !== undefined) options.timestamp = o.timestamp;
  if (o.always_mail_from !== undefined) options.alwaysMailFrom = o.always_mail_from;
  if (o.definitive !== undefined) options.definitive = o.definitive;
  if (o.default_explanation !== undefined) options.defaultExplanation = o.default_explanation;
  if (o.limits !== undefined) {
    const names = { dns_terms: 'dnsTerms', mx_names: 'mxNames', ptr_names: 'ptrNames', void_lookups: 'voidLookups' };
    options.limits = Object.fromEntries(Object.entries(o.limits).map(([k, v]) => [names[k], v]));
  }
  return options;
}

function expectations(name, out, expect) {
  const d = out.decidedBy === 'helo' ? out.heloOutcome : out.mailFromOutcome;
  const headers = [out.receivedSpf, out.authenticationResults];
  for (const [key, want] of Object.entries(expect)) {
    let got;
    switch (key) {
      case 'result': got = d.result; break;
      case 'decided_by': got = out.decidedBy; break;
      case 'helo_result': got = out.heloOutcome ? out.heloOutcome.result : null; break;
      case 'mailfrom_result': got = out.mailFromOutcome ? out.mailFromOutcome.result : null; break;
      case 'explanation': got = d.explanation; break;
      case 'mechanism': got = d.mechanism; break;
      case 'domain': got = d.domain; break;
      case 'sender': got = d.sender; break;
      case 'dns_terms': got = d.counters.dnsTerms; break;
      case 'void_lookups': got = d.counters.voidLookups; break;
      case 'received_spf': got = out.receivedSpf; break;
      case 'received_spf_prefix':
        assert.ok(out.receivedSpf.startsWith(want), `${name}: ${out.receivedSpf}`);
        continue;
      case 'authentication_results': got = out.authenticationResults; break;
      case 'no_line_breaks': got = !headers.some((h) => /[\r\n]/.test(h)); break;
      case 'smtp_reply':
        got = out.smtpReply === null ? null : { ...out.smtpReply };
        if (got && want && !('text' in want)) delete got.text;
        break;
      default: throw new Error(`${name}: unknown expectation ${key}`);
    }
    assert.deepEqual(got, want, `${name}: ${key}\n  outcome: ${JSON.stringify(out)}`);
  }
  // The outcome's own fields agree with the deciding identity's.
  assert.equal(out.result, d.result, name);
}

test('vectors: check cases through check()/checkHost(), both lookup plans', async () => {
  for (const c of VECTORS.check) {
    const zone = suiteZone(c.zone);
    const { identity = 'both', ...rest } = c.options || {};
    for (const plan of ['batched', 'sequential']) {
      const options = { ...optionsOf(rest), plan, resolver: async (n, t) => zone(n, t), authservId: c.authserv_id || 'mx.example.net' };
      const out = identity === 'both'
        ? await check(c.ip, c.sender, c.helo, options)
        : await checkHost(c.ip, c.sender, c.helo, { ...options, identity });
      expectations(`${c.name} (${plan})`, out, c.expect);
    }
  }
  console.log(`vectors (JS): ${VECTORS.check.length} check cases ran under both plans, all passed`);
  recordCount('js/vectors/check', VECTORS.check.length, VECTORS.check.length);
});
