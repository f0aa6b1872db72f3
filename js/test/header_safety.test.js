// Explanations and headers are safe to put in a message (issue 15, fixed in
// core): no CR, LF or NUL in an explanation or an SMTP reply, none in a
// header but its folding (CRLF + space), and no header line over 998
// characters (RFC 5322 §2.1.1).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { NXDOMAIN, check } from 'spfkit';

test('header safety: a sender with CR LF and NUL expanded by exp= %{s} leaves no CR, LF or NUL', async () => {
  const zone = {
    'TXT example.com': [['v=spf1 -all exp=why.example.com']],
    'TXT why.example.com': [['%{s} may not send']],
  };
  const resolver = async (name, type) => zone[`${type} ${name}`] ?? NXDOMAIN;
  const sender = 'a\r\nX-Injected: yes\r\n\0b@example.com';
  const o = await check('192.0.2.1', sender, 'h.example', { resolver });
  assert.equal(o.result, 'fail');
  assert.equal(typeof o.explanation, 'string');
  assert.doesNotMatch(o.explanation, /[\r\n\0]/, 'explanation');
  assert.doesNotMatch(o.smtpReply.text, /[\r\n\0]/, 'SMTP reply');
  assert.doesNotMatch(o.mailFromOutcome.explanation, /[\r\n\0]/, 'identity explanation');
  for (const header of [o.receivedSpf, o.authenticationResults, o.mailFromOutcome.receivedSpf]) {
    // Folding (CRLF then a space or tab) is allowed; any other CR, LF or NUL is not.
    assert.doesNotMatch(header.replace(/\r\n[ \t]/g, ''), /[\r\n\0]/, header.slice(0, 60));
  }
});

test('header safety: no header line over 998 characters (a 63,000-byte record, a 4,000-byte sender)', async () => {
  const record = `v=spf1 ${'z'.repeat(63000)}`;
  const resolver = async (name, type) => (type === 'TXT' && name === 'example.com' ? [[record]] : NXDOMAIN);
  const sender = `${'s'.repeat(4000 - '@example.com'.length)}@example.com`;
  const o = await check('192.0.2.1', sender, 'h.example', { resolver });
  for (const [name, header] of [
    ['receivedSpf', o.receivedSpf], ['authenticationResults', o.authenticationResults],
    ['mailFromOutcome.receivedSpf', o.mailFromOutcome.receivedSpf],
  ]) {
    const lines = header.split('\r\n');
    assert.ok(lines.every((l) => l.length <= 998), `${name}: lines of ${lines.map((l) => l.length).join(', ')} characters`);
    assert.doesNotMatch(header.replace(/\r\n[ \t]/g, ''), /[\r\n\0]/, name);
  }
});
