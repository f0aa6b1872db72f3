#!/usr/bin/env node
// spfkit's npm package on ../shared/bench/workload.json, beside mailauth
// (../shared/bench/node/bench_mailauth.js answers mailauth the same way).
//
// usage: node js/bench/bench_spfkit.js [--workload FILE] [--seconds S | --passes N]
//                                      [--plan sequential|batched] [--name NAME]
//
// Each query is a MAIL FROM checkHost() with an async resolver function
// reading the zone (fresh arrays per answer, as a real resolver returns).
// One untimed pass records results and DNS lookups; then passes are timed
// for --seconds (or exactly --passes N). Prints one JSON object
// (../shared/bench/README.md). Build the package first (npm run build).
import { readFileSync } from 'node:fs';

import { NODATA, NXDOMAIN, checkHost, version } from 'spfkit';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const workloadPath = opt('--workload', new URL('../../../shared/bench/workload.json', import.meta.url));
const seconds = Number(opt('--seconds', '3'));
const passes = opt('--passes', null) === null ? null : Number(opt('--passes'));
const plan = opt('--plan', 'sequential');
const name = opt('--name', 'spfkit-js');

const work = JSON.parse(readFileSync(workloadPath, 'utf8'));
const receiver = work.receiver || 'mx.receiver.example';

// name -> { TXT: [[strings]], A: [...], AAAA: [...], MX: [{exchange, priority}], PTR: [...] }
const zone = new Map();
for (const [n, records] of Object.entries(work.zone)) {
  const key = n.replace(/\.$/, '').toLowerCase();
  const node = zone.get(key) || {};
  zone.set(key, node);
  for (const rec of records) {
    const list = (node[rec.type] = node[rec.type] || []);
    if (rec.type === 'TXT') list.push([].concat(rec.data));
    else if (rec.type === 'MX') list.push({ priority: rec.data[0], exchange: rec.data[1].replace(/\.$/, '') });
    else list.push(rec.data.replace(/\.$/, ''));
  }
}

let lookups = 0;
const resolver = async (qname, type) => {
  lookups++;
  const node = zone.get(qname.toLowerCase());
  if (!node) return NXDOMAIN;
  const list = node[type];
  if (!list || !list.length) return NODATA;
  return list.map((v) => (Array.isArray(v) ? v.slice() : typeof v === 'object' ? { ...v } : v));
};

const options = { resolver, receiver, plan };
const check = async (q) => {
  const o = await checkHost(q.ip, q.sender, q.helo, options);
  return { result: o.result, explanation: o.result === 'fail' ? o.explanation : null };
};

const queries = work.queries;
const before = lookups;
const outcomes = [];
for (const q of queries) {
  const b = lookups;
  const o = await check(q);
  o.dns = lookups - b;
  outcomes.push(o);
}
const perPass = lookups - before;

let done = 0;
const start = process.hrtime.bigint();
const elapsedS = () => Number(process.hrtime.bigint() - start) / 1e9;
for (;;) {
  if (passes !== null) {
    if (done >= passes) break;
  } else if (elapsedS() >= seconds && done >= 3) {
    break;
  }
  for (const q of queries) await check(q);
  done++;
}
const elapsed = elapsedS();
const agree = queries.filter((q, i) => outcomes[i].result === q.expect).length;
const out = {
  peer: name,
  version: version(),
  language: 'node',
  runtime: `node ${process.version}`,
  queries: queries.length,
  passes: done,
  seconds: elapsed,
  evals_per_sec: elapsed > 0 ? (done * queries.length) / elapsed : 0,
  dns_lookups_per_pass: perPass,
  agree,
  results: queries.map((q, i) => ({ id: q.id, result: outcomes[i].result, explanation: outcomes[i].explanation, dns: outcomes[i].dns })),
};
process.stdout.write(JSON.stringify(out) + '\n');
process.stderr.write(`${name}: ${out.evals_per_sec.toFixed(0)} evals/s, ${perPass} DNS lookups/pass, ${agree}/${queries.length} agree\n`);
