// The RFC 7208 suite's zonedata as a resolver and the verdict on an
// outcome (tests/rfc7208/FORMAT.md), as python/tests/suite_zone.py reads
// them. No imports: Node's tests (suite_zone.js) and the browser's Web
// Worker (browser/suite_worker.js) share this module. The answer strings
// are the package's documented NXDOMAIN, NODATA and TEMPERROR.
const NXDOMAIN = 'NXDOMAIN';
const NODATA = 'NODATA';
const TEMPERROR = 'TEMPERROR';

const key = (name) => name.toLowerCase().replace(/\.$/, '');

const TYPE_CODES = { A: 1, AAAA: 28, MX: 15, TXT: 16, PTR: 12 };

/** tests/vectors' TRUNCATED: the response a server sends with TC set and no
 * records (even over TCP), as raw bytes: header with QR, TC and RD set, the
 * question, nothing else. */
function truncatedResponse(name, type) {
  const labels = key(name).split('.').map((l) => new TextEncoder().encode(l));
  const qname = labels.reduce((n, l) => n + 1 + l.length, 1);
  const m = new Uint8Array(12 + qname + 4);
  m.set([0, 7, 0x83, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  let at = 12;
  for (const l of labels) {
    m[at++] = l.length;
    m.set(l, at);
    at += l.length;
  }
  m[at++] = 0;
  m.set([TYPE_CODES[type] >> 8, TYPE_CODES[type] & 0xff, 0, 1], at);
  return m;
}

/** SPF served as TXT where a name has no TXT entry, TXT NONE, TIMEOUT after
 * the records of a type, CNAMEs followed (a loop is TEMPERROR), absent names
 * NXDOMAIN; tests/vectors' TRUNCATED as a raw response with TC set. */
export function suiteZone(zonedata) {
  const names = new Map(Object.entries(zonedata).map(([n, e]) => [key(n), e || []]));
  function lookup(name, type, hops = 0) {
    const entries = names.get(key(name));
    if (entries === undefined) return NXDOMAIN;
    const hasTxt = entries.some((e) => typeof e === 'object' && 'TXT' in e);
    const records = [];
    for (const e of entries) {
      if (e === 'TRUNCATED') return truncatedResponse(name, type);
      if (e === 'TIMEOUT') return records.length ? records : TEMPERROR;
      const [[kind, value]] = Object.entries(e);
      // A loop is a DNS error (RFC 1034 §3.6.2): temperror, as in the core.
      if (kind === 'CNAME') return hops === 16 ? TEMPERROR : lookup(value, type, hops + 1);
      if (kind === 'SPF' || kind === 'TXT') {
        if (type !== 'TXT' || (kind === 'SPF' && hasTxt) || value === 'NONE') continue;
        // A list is one record's strings.
        records.push(Array.isArray(value) ? value : [value]);
      } else if (kind === 'MX' && type === 'MX') {
        records.push({ priority: value[0], exchange: value[1] });
      } else if (kind === type) {
        records.push(value);
      } else if (!['A', 'AAAA', 'MX', 'PTR'].includes(kind)) {
        throw new Error(`unknown record type ${kind}`);
      }
    }
    return records.length ? records : NODATA;
  }
  return lookup;
}

/** Every case of the suite's scenarios: [name, case, zone]. */
export function casesOf(scenarios) {
  const cases = [];
  for (const scenario of scenarios) {
    const zone = suiteZone(scenario.zonedata);
    for (const [name, c] of Object.entries(scenario.tests)) {
      for (const field of ['host', 'mailfrom', 'helo', 'result']) {
        if (!(field in c)) throw new Error(`${name}: ${field} is required`);
      }
      cases.push([name, c, zone]);
    }
  }
  return cases;
}

export function verdict(name, c, outcome) {
  const want = Array.isArray(c.result) ? c.result : [c.result];
  if (!want.includes(outcome.result)) return false;
  if (outcome.result === 'fail' && 'explanation' in c) {
    const got = outcome.explanation || '';
    // v-macro-ip6: the suite wants pyspf's upper-case nibbles; RFC 7208 section 7.4 writes lower case.
    return got === c.explanation || (name === 'v-macro-ip6' && got.toLowerCase() === c.explanation.toLowerCase());
  }
  return true;
}

/** The suite's DEFAULT explanation: the implementation's own. */
export const OPTIONS = { defaultExplanation: 'DEFAULT' };
