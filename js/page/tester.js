// The record tester: the package's analyze() and check() over DNS over
// HTTPS, rendered with DOM calls only. Records and DNS answers are the
// hostile part of the page, so nothing they hold reaches innerHTML.
//
// The fields can be given in the address (?domain=…&draft=…&ip=…&sender=…
// &helo=…&doh=…&method=GET); with a domain there, the test runs at once.
import { analyze, check, dohResolver, init, version } from '../src/web.js';

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
 * A record's text with the given spans (string indices) wrapped in <mark>,
 * each titled with its warning; overlapping spans merge into the first.
 */
function markedRecord(text, marks) {
  const code = h('code', { class: 'record' });
  const sorted = marks.filter((m) => m.span).sort((a, b) => a.span.start - b.span.start);
  let at = 0;
  for (const m of sorted) {
    const start = Math.max(m.span.start, at);
    const end = Math.min(Math.max(m.span.end, start), text.length);
    if (start >= end && m.span.end > m.span.start) continue;
    code.append(text.slice(at, start));
    // An empty span (a missing term) still gets a visible marker.
    code.append(h('mark', { title: m.message }, start === end ? '\u2038' : text.slice(start, end)));
    at = end;
  }
  code.append(text.slice(at));
  return code;
}

function fact(dl, term, ...value) {
  dl.append(h('dt', {}, term), h('dd', {}, ...value));
}

function limitFact(dl, label, used, limit, exceeded) {
  const meter = h('meter', { min: 0, max: limit, high: limit - 0.5, optimum: 0, value: Math.min(used, limit), 'aria-hidden': 'true' });
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
  const v4 = Number(report.ipv4Addresses).toLocaleString('en');
  const v6 = BigInt(report.ipv6Addresses).toLocaleString('en');
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
      else if (e.kind === 'term') trace.append(h('li', indent, h('code', {}, e.term), e.matched ? ' matches' : ' does not match'));
      else trace.append(h('li', { ...indent, class: 'bad' }, e.term ? h('code', {}, e.term) : e.domain, `: ${e.message}`));
    }
  }
}

/** The DoH resolver, with the draft answering the domain's TXT query. */
function resolverFor(values, domain) {
  const doh = dohResolver({ endpoint: values.doh, method: values.method });
  if (!values.draft) return doh;
  const own = domain.toLowerCase();
  return (name, type) => (type === 'TXT' && name.toLowerCase() === own ? [values.draft] : doh(name, type));
}

function readForm() {
  const v = {};
  for (const f of FIELDS) v[f] = $(f).value.trim();
  v.doh ||= DEFAULT_DOH;
  return v;
}

async function run(values) {
  const status = $('status');
  const error = $('error');
  error.hidden = true;
  $('run').disabled = true;
  status.textContent = `Looking up ${values.domain}…`;
  try {
    const report = await analyze(values.domain, { resolver: resolverFor(values, values.domain), draft: values.draft || undefined });
    $('results-title').textContent = `Results for ${report.domain}`;
    renderCounts(report);
    renderWarnings(report);
    renderTree(report);
    renderNetworks(report);
    $('check').hidden = true;
    if (values.ip) {
      status.textContent = `Checking ${values.ip}…`;
      const sender = values.sender || `postmaster@${report.domain}`;
      const helo = values.helo || report.domain;
      const outcome = await check(values.ip, sender, helo, { resolver: resolverFor(values, report.domain), trace: true, receiver: location.hostname || 'localhost' });
      renderCheck(outcome);
    }
    $('results').hidden = false;
    status.textContent = values.ip ? 'Done: analysis and check.' : 'Done.';
    $('results-title').focus();
  } catch (e) {
    status.textContent = '';
    error.textContent = e && e.code ? `${e.message} (${e.code})` : String(e);
    error.hidden = false;
  } finally {
    $('run').disabled = false;
  }
}

function start() {
  const params = new URLSearchParams(location.search);
  for (const f of FIELDS) if (params.has(f)) $(f).value = params.get(f);
  if (!$('doh').value) $('doh').value = DEFAULT_DOH;
  if (params.has('doh') || params.has('method')) $('settings').open = true;
  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const values = readForm();
    // The address keeps the fields, so a result can be shared or reloaded.
    const query = new URLSearchParams();
    for (const f of FIELDS) if (values[f] && !(f === 'doh' && values[f] === DEFAULT_DOH) && !(f === 'method' && values[f] === 'POST')) query.set(f, values[f]);
    history.replaceState(null, '', `?${query}`);
    run(values);
  });
  init().then(
    () => {
      $('version').textContent = version();
      if (params.get('domain')) $('form').requestSubmit();
    },
    (e) => {
      $('error').textContent = `The WebAssembly module did not load: ${e.message}`;
      $('error').hidden = false;
    },
  );
}

start();
