// The record tester: the package's analyze() and check() over DNS over
// HTTPS, rendered with DOM calls only. Records and DNS answers are the
// hostile part of the page, so nothing they hold reaches innerHTML.
//
// The fields can be given in the address (?domain=…&draft=…&ip=…&sender=…
// &helo=…&doh=…&method=GET); with a domain there and no doh=, the test runs
// at once.
import { analyze, check, checkDomain, dohResolver, init, version } from '../src/web.js';

const DEFAULT_DOH = 'https://cloudflare-dns.com/dns-query';
const FIELDS = ['domain', 'draft', 'ip', 'sender', 'helo', 'doh', 'method'];
const QUALIFIERS = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A record's text with the warnings' spans (string indices) wrapped in
 * <mark>: overlapping spans merge into one mark carrying every message, an
 * empty span (something missing) is a caret where it is missing, and each
 * mark ends with its messages as text hidden on screen, for screen readers.
 */
function markedRecord(text, warnings) {
  const code = h('code', { class: 'record' });
  const clamp = (i) => Math.min(Math.max(i, 0), text.length);
  const spans = warnings
    .filter((w) => w.span)
    .map((w) => ({ start: clamp(w.span.start), end: clamp(Math.max(w.span.end, w.span.start)), messages: [w.message] }))
    .sort((x, y) => x.start - y.start || x.end - y.end);
  const merged = [];
  for (const m of spans) {
    const last = merged[merged.length - 1];
    if (last && last.end > last.start && m.start < last.end) {
      last.end = Math.max(last.end, m.end);
      last.messages.push(...m.messages);
    } else {
      merged.push(m);
    }
  }
  let at = 0;
  for (const m of merged) {
    code.append(text.slice(at, m.start));
    const words = m.messages.join('; ');
    const shown = m.start === m.end ? h('span', { 'aria-hidden': 'true' }, '\u2038') : text.slice(m.start, m.end);
    code.append(h('mark', { title: words }, shown, h('span', { class: 'visually-hidden' }, ` (${m.start === m.end ? 'missing here: ' : ''}${words})`)));
    at = m.end;
  }
  code.append(text.slice(at));
  return code;
}

function fact(dl, term, ...value) {
  dl.append(h('dt', {}, term), h('dd', {}, ...value));
}

function limitFact(dl, label, used, limit, exceeded) {
  // Up to the limit is allowed; only beyond it is "high".
  const meter = h('meter', { min: 0, max: Math.max(used, limit), high: limit, optimum: 0, value: used, 'aria-hidden': 'true' });
  const words = h('span', { class: exceeded ? 'bad' : 'ok', 'data-count': label }, `${used} of ${limit}`);
  fact(dl, label, words, ' ', meter, exceeded ? h('strong', { class: 'bad' }, ' over the limit: permerror') : '');
}

function renderCounts(report) {
  const dl = $('counts');
  dl.replaceChildren();
  limitFact(dl, 'DNS-querying terms', report.dnsTerms, report.limits.dnsTerms, report.exceedsDnsTerms);
  limitFact(dl, 'Void lookups', report.voidLookups, report.limits.voidLookups, report.exceedsVoidLookups);
}

function renderWarnings(report) {
  const list = $('warnings');
  list.replaceChildren();
  $('warnings-title').textContent = report.warnings.length ? `Warnings (${report.warnings.length})` : 'Warnings';
  if (!report.warnings.length) {
    list.append(h('li', { class: 'none' }, 'None.'));
    return;
  }
  for (const w of report.warnings) {
    const node = report.nodes[w.node];
    const item = h('li', { 'data-code': w.code }, h('p', {}, h('strong', {}, w.code), ': ', w.message), h('p', { class: 'where' }, node.domain));
    if (node.record !== null && w.span) item.append(h('p', {}, markedRecord(node.record, [w])));
    list.append(item);
  }
}

function renderTree(report) {
  const root = $('tree');
  root.replaceChildren();
  const children = report.nodes.map(() => []);
  for (const [i, n] of report.nodes.entries()) if (n.parent !== null) children[n.parent].push(i);
  const marks = report.nodes.map(() => []);
  for (const w of report.warnings) if (w.span) marks[w.node].push(w);
  const item = (i) => {
    const n = report.nodes[i];
    const head = h(
      'p',
      { class: 'node-head' },
      n.via === 'root' ? '' : h('span', { class: 'via' }, `${n.term} → `),
      h('strong', {}, n.domain),
      n.source === 'draft' ? h('span', { class: 'tag' }, 'draft') : '',
      h('span', { class: 'cost' }, ` ${plural(n.dnsTerms, 'DNS lookup')}`, n.voidLookups ? `, ${plural(n.voidLookups, 'void lookup')}` : ''),
    );
    const body = n.record === null ? h('p', { class: 'bad' }, 'no SPF record') : h('p', {}, markedRecord(n.record, marks[i]));
    const li = h('li', { 'data-domain': n.domain }, head, body);
    if (children[i].length) li.append(h('ul', {}, children[i].map(item)));
    return li;
  };
  for (const [i, n] of report.nodes.entries()) if (n.parent === null) root.append(item(i));
}

function renderNetworks(report) {
  const body = $('networks').tBodies[0];
  body.replaceChildren();
  for (const n of report.networks) {
    body.append(
      h('tr', {}, h('td', {}, h('code', {}, n.network)), h('td', {}, `${n.qualifier} ${QUALIFIERS[n.qualifier]}`), h('td', {}, report.nodes[n.node].domain, ' ', h('code', {}, n.term))),
    );
  }
  // Decimal strings grouped by hand: IPv6 counts exceed what a number holds.
  const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const v4 = grouped(report.ipv4Addresses);
  const v6 = grouped(report.ipv6Addresses);
  $('network-totals').textContent = `${plural(report.networks.length, 'network')}: ${v4} IPv4 addresses, ${v6} IPv6 addresses.`;
  const cd = report.clientDependent;
  $('client-dependent').textContent = cd.length
    ? `Not flattened, as what they allow depends on the client: ${cd.map((c) => `${c.term} (${report.nodes[c.node].domain})`).join(', ')}.`
    : '';
}

function renderCheck(outcome) {
  $('check').hidden = false;
  $('verdict').replaceChildren(h('span', { class: `result result-${outcome.result}` }, outcome.result), ' ', outcome.reason || outcome.explanation || '');
  const dl = $('check-facts');
  dl.replaceChildren();
  fact(dl, 'Client', outcome.ip);
  fact(dl, 'Decided by', outcome.decidedBy === 'helo' ? `HELO ${outcome.helo}` : `MAIL FROM ${outcome.mailFrom || `(null sender, postmaster@${outcome.helo})`}`);
  if (outcome.mechanism) fact(dl, 'Matched', h('code', {}, outcome.mechanism));
  if (outcome.explanation) fact(dl, 'Explanation', outcome.explanation);
  if (outcome.smtpReply) fact(dl, 'SMTP reply', h('code', {}, `${outcome.smtpReply.code} ${outcome.smtpReply.enhanced} ${outcome.smtpReply.text}`));
  $('headers').textContent = `${outcome.receivedSpf}\n${outcome.authenticationResults}`;
  const trace = $('trace');
  trace.replaceChildren();
  for (const part of [outcome.heloOutcome, outcome.mailFromOutcome]) {
    if (!part) continue;
    trace.append(h('li', { class: 'identity' }, `${part.identity === 'helo' ? 'HELO' : 'MAIL FROM'} ${part.sender}: `, h('strong', {}, part.result), ` (${plural(part.counters.queries, 'query', 'queries')})`));
    for (const e of part.trace) {
      const indent = { style: `--depth: ${e.depth}` };
      if (e.kind === 'record') trace.append(h('li', indent, `${e.domain}: `, h('code', {}, e.record)));
      else if (e.kind === 'term') {
        trace.append(h('li', indent, h('code', {}, e.term), e.matched ? ' matches' : ' does not match', e.note ? ` (${e.note})` : ''));
      }
      else trace.append(h('li', { ...indent, class: 'bad' }, e.term ? h('code', {}, e.term) : e.domain, `: ${e.message}`));
    }
  }
}

/** The DoH resolver, with the draft answering the domain's TXT query. */
function resolverFor(values) {
  const doh = dohResolver({ endpoint: values.doh, method: values.method });
  if (!values.draft) return doh;
  // The domain as the core will ask it; one it refuses is never asked.
  let own;
  try {
    own = checkDomain(values.domain).toLowerCase();
  } catch {
    return doh;
  }
  return (name, type) => (type === 'TXT' && name.toLowerCase() === own ? [values.draft] : doh(name, type));
}

function readForm() {
  const v = {};
  for (const f of FIELDS) v[f] = $(f).value.trim();
  v.doh ||= DEFAULT_DOH;
  v.method = v.method.toUpperCase() === 'GET' ? 'GET' : 'POST';
  return v;
}

let runs = 0;

function showError(message) {
  const error = $('error');
  error.textContent = message;
  error.hidden = false;
  error.focus();
}

async function run(values) {
  const status = $('status');
  const results = $('results');
  $('error').hidden = true;
  $('run').disabled = true;
  results.setAttribute('aria-busy', 'true');
  status.textContent = `Looking up ${values.domain} through ${values.doh}…`;
  let stage = 'analysis';
  try {
    const resolver = resolverFor(values);
    const report = await analyze(values.domain, { resolver, draft: values.draft || undefined });
    $('results-title').textContent = `Results for ${report.domain}`;
    renderCounts(report);
    renderWarnings(report);
    renderTree(report);
    renderNetworks(report);
    $('check').hidden = true;
    results.hidden = false;
    if (values.ip) {
      stage = 'check';
      status.textContent = `Checking ${values.ip}…`;
      const sender = values.sender || `postmaster@${report.domain}`;
      const helo = values.helo || report.domain;
      const outcome = await check(values.ip, sender, helo, { resolver, trace: true, receiver: location.hostname || 'localhost' });
      renderCheck(outcome);
    }
    status.textContent = values.ip ? 'Done: analysis and check.' : 'Done.';
    $('results-title').focus();
  } catch (e) {
    status.textContent = '';
    const what = e && e.code ? `${e.message} (${e.code})` : String(e);
    showError(stage === 'check' ? `The check did not run: ${what}` : what);
    if (stage === 'check') $('ip').setAttribute('aria-invalid', String(e && e.code === 'invalid-address'));
  } finally {
    results.removeAttribute('aria-busy');
    $('run').disabled = false;
    // For tests and scripts: which run the page shows.
    status.dataset.run = String(++runs);
  }
}

function start() {
  const params = new URLSearchParams(location.search);
  for (const f of FIELDS) if (params.has(f)) $(f).value = f === 'method' ? params.get(f).toUpperCase() : params.get(f);
  if (!$('method').value) $('method').value = 'POST';
  if (!$('doh').value) $('doh').value = DEFAULT_DOH;
  if (params.has('doh') || params.has('method')) $('settings').open = true;
  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const values = readForm();
    $('ip').removeAttribute('aria-invalid');
    if (!values.domain) {
      showError('Enter a domain.');
      return;
    }
    // The address keeps the fields, so a result can be shared or reloaded.
    const query = new URLSearchParams();
    for (const f of FIELDS) if (values[f] && !(f === 'doh' && values[f] === DEFAULT_DOH) && !(f === 'method' && values[f] === 'POST')) query.set(f, values[f]);
    history.replaceState(null, '', `?${query}`);
    run(values);
  });
  init().then(
    () => {
      $('version').textContent = version();
      // A link runs the test at once only with the default DNS endpoint: one
      // that names its own could show made-up answers under a real domain.
      if (params.get('domain') && !params.has('doh')) $('form').requestSubmit();
    },
    (e) => showError(`The WebAssembly module did not load: ${e.message}`),
  );
}

start();
