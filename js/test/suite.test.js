// All 203 RFC 7208 conformance cases through the installed package: the
// async checkHost() with an async resolver (each step's queries
// concurrently), then the step API answered in reverse order. Every case
// is counted; none is skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Evaluation, checkHost } from 'spfkit';

import { OPTIONS, recordCount, suiteCases, verdict } from './suite_zone.js';

test('RFC 7208 suite through checkHost()', async () => {
  const cases = suiteCases();
  const failed = [];
  for (const [name, c, zone] of cases) {
    const outcome = await checkHost(c.host, c.mailfrom, c.helo, {
      ...OPTIONS,
      resolver: async (n, t) => zone(n, t),
    });
    if (!verdict(name, c, outcome)) failed.push(`${name}: ${outcome.result} ${outcome.explanation}, want ${c.result}`);
  }
  console.log(`RFC 7208 suite (JS, checkHost): ${cases.length} cases ran, ${cases.length - failed.length} passed`);
  recordCount('js/suite/checkhost', cases.length, cases.length - failed.length);
  assert.equal(cases.length, 203);
  assert.deepEqual(failed, []);
});

test('RFC 7208 suite through the step API, answers in reverse order', () => {
  const cases = suiteCases();
  const failed = [];
  for (const [name, c, zone] of cases) {
    const ev = new Evaluation(c.host, c.mailfrom, c.helo, { ...OPTIONS, identity: 'mailfrom' });
    for (let queries = ev.next(); queries !== null; queries = ev.next()) {
      for (const q of [...queries].reverse()) ev.answer(q, zone(q.name, q.type));
    }
    const outcome = ev.outcome();
    ev.free();
    if (!verdict(name, c, outcome)) failed.push(`${name}: ${outcome.result}, want ${c.result}`);
  }
  console.log(`RFC 7208 suite (JS, step API): ${cases.length} cases ran, ${cases.length - failed.length} passed`);
  recordCount('js/suite/step-api', cases.length, cases.length - failed.length);
  assert.equal(cases.length, 203);
  assert.deepEqual(failed, []);
});
